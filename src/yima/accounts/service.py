"""Users: creation, sign-in (argon2 password hashes), bearer tokens (JWT, HS256), signing a
user out everywhere and disabling an account.

A token carries the user's token generation (``gen``). Signing out everywhere, a new password
or disabling the account raises the generation, and a token of an older generation is refused.
Each request checks the token against the user's record, read through a per-process cache of
``TOKEN_CHECK_SECONDS``: a change made by another worker process takes effect within that time,
one made in this process at once.

Failed sign-ins slow the next attempt — of the typed name at that address, of the name anywhere,
of the address — by delays that double (``yima.accounts.throttle``); nothing locks a person out.
Counts live in the database; an attempt during a delay answers 429 with the seconds to wait; delays
are logged, shown to administrators, who may lift them, and an account's first delay is audited.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Select, bindparam, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yima.accounts import idle as idle_rule
from yima.accounts import throttle
from yima.accounts.passwords import check_password
from yima.accounts.tables import SessionActivity, SignInAttempts, User
from yima.actors import Actor, check_role
from yima.audit import service as audit
from yima.clock import CHINA, as_utc, utcnow
from yima.db import Database
from yima.errors import Conflict, DomainError, NotFound, TooManyRequests, Unauthorized
from yima.listing import PageOf, PageRequest, check_export_size, like_pattern, search_text
from yima.zones.tables import Zone

_hasher = PasswordHasher()
security_log = logging.getLogger("yima.security")


def configure_hasher(time_cost: int, memory_kib: int) -> None:
    """Argon2 cost; the defaults (RFC 9106 low-memory profile) suit production, tests lower them."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


@dataclass(frozen=True)
class SharedPassword:
    """A password that several accounts are given (the demo's, published in the README), hashed
    once: each of them stores the same hash, so adding them costs one Argon2 hash, not one each.
    Made only by ``shared_password``, so the hash is always of ``text``."""

    text: str
    hash: str


def shared_password(text: str) -> SharedPassword:
    return SharedPassword(text, _hasher.hash(text))


def _hash(password: str | SharedPassword) -> str:
    return password.hash if isinstance(password, SharedPassword) else _hasher.hash(password)


def _text_of(password: str | SharedPassword) -> str:
    return password.text if isinstance(password, SharedPassword) else password


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, role=user.role, zone_id=user.zone_id,
                 display_name=user.display_name or user.username, token_generation=user.token_generation)




def add_user(db: Database, username: str, role: str, password: str | SharedPassword, now: datetime,
             zone_id: str | None = None, display_name: str = "") -> Actor:
    check_role(role, zone_id)
    check_password(_text_of(password), username)
    if not username or len(username) > 64:
        raise DomainError("user.username", "username", "用户名须为 1 至 64 个字符",
                          "The username must have 1 to 64 characters")
    with db.write() as session:
        if zone_id is not None and session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
        _check_free(session, username)
        user = User(username=username, role=role, zone_id=zone_id, display_name=display_name,
                    password_hash=_hash(password), created_at=now)
        session.add(user)
        session.flush()
        audit.record(session, [audit.event(None, None, now, "user.added", f"user:{username}", role=role,
                                           zone=zone_id)])
        return actor_of(user)


def _check_free(session: Session, username: str) -> None:
    """``user.exists`` (409) when an account is named ``username`` already."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("user.exists", "username", f"用户名 {username} 已存在", f"User {username} exists")


def add_account_without_password(session: Session, username: str, role: str, zone_id: str | None, now: datetime,
                                 by: Actor | None = None, display_name: str = "") -> User:
    """An account nobody can sign in to until an administrator sets its password (an import's
    unknown user, a newly appointed observer), in the caller's transaction. It has no password
    hash, which ``authenticate`` refuses as it refuses an unknown name (no Argon2 hash of a random
    password, 0.2 CPU s at the production cost, is made for it)."""
    check_role(role, zone_id)
    if not username or len(username) > 64:
        raise DomainError("user.username", "username", "用户名须为 1 至 64 个字符",
                          "The username must have 1 to 64 characters")
    _check_free(session, username)
    user = User(username=username, role=role, zone_id=zone_id, display_name=display_name, password_hash="",
                created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, [audit.event(None, by, now, "user.added", f"user:{username}", role=role, zone=zone_id,
                                       password=False)])
    return user


Key = throttle.Key


def authenticate(db: Database, username: str, password: str, *, now: datetime | None = None,
                 address: str | None = None, halls: Sequence[throttle.Network] = ()) -> Actor:
    """The account, if the password is right. Failed sign-ins slow the next attempt of the typed
    name at this address, of the name anywhere and of the address (``yima.accounts.throttle``):
    an attempt during a delay is answered 429 before the password is checked; after it, the right
    password signs in. ``halls``: the service halls' networks, whose addresses have a larger budget."""
    now = now or utcnow()
    keys = throttle.keys_for(username, address)
    known_key = ("known", keys["pair"]) if "pair" in keys else None
    with db.read() as session:
        attempts = _attempts(session, list(keys.items()) + ([known_key] if known_key else []))
        user = session.scalar(select(User).where(User.username == username))
    known = known_key is not None and known_key in attempts
    wait = throttle.waiting(attempts, keys, known, now)
    if wait:
        raise _slowed(wait)
    if user is None or not user.password_hash:
        _spend_like_a_check(password)  # as long as for an existing user: the time tells nothing
    else:
        try:
            _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            pass
        else:
            if user.disabled_at is not None:
                raise Unauthorized("auth.disabled", "username", "该账号已停用，请联系管理员",
                                   "This account is disabled; ask an administrator")
            _count_success(db, keys, attempts, now)
            return actor_of(user)
    wait = _count_failure(db, keys, known, now, known_user=user is not None, halls=halls)
    if wait:
        raise Unauthorized("auth.credentials", "password", f"用户名或密码错误；请 {wait} 秒后再试",
                           f"Wrong username or password; try again in {wait} second(s)")
    raise Unauthorized("auth.credentials", "password", "用户名或密码错误", "Wrong username or password")


def _count_success(db: Database, keys: dict[str, str], attempts: dict[Key, throttle.Attempts],
                   now: datetime) -> None:
    """The right password clears the pair's and the account's count (not the address's) and
    records the pair as known: delays that others cause no longer hold it back."""
    stale = [(scope, keys[scope]) for scope in ("pair", "account") if (scope, keys.get(scope, "")) in attempts]
    if "pair" not in keys and not stale:
        return
    with db.write() as session:
        for scope, key in stale:
            session.execute(delete(SignInAttempts).where(SignInAttempts.scope == scope, SignInAttempts.key == key))
        if "pair" in keys:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            session.execute(insert(SignInAttempts).values(scope="known", key=keys["pair"], failures=0,
                                                          window_started_at=now)
                            .on_conflict_do_update(index_elements=["scope", "key"],
                                                   set_={"window_started_at": now}))


_dummy: dict[tuple[int, int], str] = {}


def _spend_like_a_check(password: str) -> None:
    """Run Argon2 on a hash of the current cost, as a check of a real account's password would."""
    cost = (_hasher.time_cost, _hasher.memory_cost)
    if cost not in _dummy:
        _dummy[cost] = _hasher.hash(secrets.token_urlsafe(16))
    try:
        _hasher.verify(_dummy[cost], password)
    except (VerifyMismatchError, InvalidHashError):
        pass


_LOG_KEY = secrets.token_bytes(16)  # per process: a reference correlates lines, never reveals the name


def log_reference(typed: str) -> str:
    """What the logs say for a typed username or address: a keyed hash, never the text (a person
    may type an ID number, a phone number or even their password into the username box)."""
    return "ref-" + hashlib.blake2b(typed.encode(), key=_LOG_KEY, digest_size=6).hexdigest()


def _slowed(seconds: int) -> TooManyRequests:
    return TooManyRequests("auth.throttled", "username",
                           f"登录失败次数过多，请 {seconds} 秒后再试（正确的密码届时可以登录）",
                           f"Too many failed sign-ins: try again in {seconds} second(s) (the right password "
                           "signs in then)", retry_after=seconds)


def _attempts(session: Session, keys: list[Key]) -> dict[Key, throttle.Attempts]:
    rows = session.scalars(select(SignInAttempts).where(tuple_(SignInAttempts.scope, SignInAttempts.key).in_(keys)))
    return {(r.scope, r.key): _state(r) for r in rows}


def _state(row: SignInAttempts) -> throttle.Attempts:
    return throttle.Attempts(row.failures, as_utc(row.window_started_at),
                             as_utc(row.locked_until) if row.locked_until else None)


def _count_failure(db: Database, keys: dict[str, str], known: bool, now: datetime, known_user: bool,
                   halls: Sequence[throttle.Network]) -> int:
    """Count one failed sign-in against every key, in one transaction that holds the keys' rows
    (PostgreSQL: row locks; SQLite: the writer lock); the seconds the next attempt now waits."""
    security_log.warning("sign_in.failed", extra={"fields": {
        "account": log_reference(keys["account"]), "known_user": known_user,
        **({"address": keys["address"]} if "address" in keys else {})}})
    wanted = list(keys.items())
    with db.write() as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for scope, key in wanted:
            session.execute(insert(SignInAttempts).values(scope=scope, key=key, failures=0, window_started_at=now)
                            .on_conflict_do_nothing(index_elements=["scope", "key"]))
        rows = session.scalars(select(SignInAttempts).where(tuple_(SignInAttempts.scope, SignInAttempts.key)
                                                            .in_(wanted))
                               .order_by(SignInAttempts.scope, SignInAttempts.key).with_for_update()).all()
        after: dict[Key, throttle.Attempts] = {}
        for row in rows:
            before = _state(row)
            state = throttle.after_failure(before if row.failures else None,
                                           throttle.delay_for(row.scope, row.key, halls), now)
            row.failures, row.window_started_at, row.locked_until = (state.failures, state.last_failure_at,
                                                                     state.wait_until)
            after[(row.scope, row.key)] = state
            if state.wait_until is not None and throttle.wait_seconds(before, now) == 0:
                security_log.warning("sign_in.slowed", extra={"fields": {
                    "scope": row.scope, "key": row.key if row.scope == "address" else log_reference(row.key),
                    "failures": state.failures, "wait_until": state.wait_until.isoformat()}})
                if row.scope == "account" and known_user and state.failures == throttle.ACCOUNT.free + 1:
                    audit.record(session, [audit.event(None, None, now, "user.sign_in_slowed", f"user:{row.key}",
                                                       failures=state.failures)])
    return throttle.waiting(after, keys, known, now)


#: How long the record of failed sign-ins (an account name or an address, a count) is kept once
#: its window and any lock have run out.
ATTEMPTS_RETENTION = timedelta(days=30)


def purge_sign_in_attempts_job(db: Database, now: datetime) -> list[str]:
    """Job: delete the failed-sign-in records older than ``ATTEMPTS_RETENTION`` (their window
    started before, and no lock holds now): a typed name is not kept longer than it serves."""
    cutoff = now - ATTEMPTS_RETENTION
    with db.write() as session:
        gone = session.execute(delete(SignInAttempts).where(
            SignInAttempts.window_started_at < cutoff,
            (SignInAttempts.locked_until.is_(None)) | (SignInAttempts.locked_until < now))
            .returning(SignInAttempts.key)).all()
    return [f"sign-in records purged: {len(gone)}"] if gone else []


def sign_in_delays(db: Database, now: datetime) -> dict[Key, tuple[datetime, int]]:
    """Accounts and addresses whose next sign-in waits now: until when, after how many failures.
    An account's entry covers its own delay and that of every address it was tried from."""
    with db.read() as session:
        rows = session.scalars(select(SignInAttempts).where(SignInAttempts.locked_until.is_not(None),
                                                            SignInAttempts.locked_until > now)).all()
    found: dict[Key, tuple[datetime, int]] = {}
    for r in rows:
        if r.locked_until is None:
            continue
        scope, key = ("account", r.key.split("\n", 1)[0]) if r.scope == "pair" else (r.scope, r.key)
        until, failures = found.get((scope, key), (as_utc(r.locked_until), 0))
        found[(scope, key)] = (max(until, as_utc(r.locked_until)), max(failures, r.failures))
    return found


def unlock(db: Database, scope: str, key: str, now: datetime, by: Actor | None = None) -> bool:
    """Lift the delays (and the counts) of an account — from every address — or of an address;
    False when there was none."""
    with db.write() as session:
        where = ((SignInAttempts.scope == "account") & (SignInAttempts.key == key)
                 | (SignInAttempts.scope == "pair") & SignInAttempts.key.startswith(key[:80] + "\n", autoescape=True)
                 if scope == "account" else (SignInAttempts.scope == scope) & (SignInAttempts.key == key))
        done = bool(session.execute(delete(SignInAttempts).where(where).returning(SignInAttempts.key)).all())
        if done:
            audit.record(session, [audit.event(None, by, now, f"sign_in.{scope}_unlocked",
                                               f"user:{key}" if scope == "account" else "sign_in:address")])
    if done:
        security_log.warning("sign_in.unlocked", extra={"fields": {
            "scope": scope, "key": log_reference(key) if scope == "account" else key, "by": by.id if by else None}})
    return done


def unlock_user(db: Database, username: str, now: datetime, by: Actor | None = None) -> Actor:
    """Lift a sign-in lock on an account before it runs out."""
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("user.unknown", "username", f"没有用户 {username}", f"No user {username}")
    unlock(db, "account", username, now, by)
    return actor_of(user)


def issue_token(actor: Actor, secret: str, now: datetime, minutes: int) -> str:
    claims = {"sub": str(actor.id), "usr": actor.username, "role": actor.role, "zone": actor.zone_id,
              "name": actor.display_name, "gen": actor.token_generation, "iat": int(now.timestamp()),
              "exp": int((now + timedelta(minutes=minutes)).timestamp())}
    return jwt.encode(claims, secret, algorithm="HS256")


#: Tokens whose signature was checked, by (secret, token): the actor and the token's expiry (``exp``,
#: seconds since the epoch). Checking an HMAC signature and parsing the claims cost about a twentieth
#: of a 秒批 approval; a token seen again is the same bytes, so only its age needs checking again.
#: Bounded: emptied when it holds ``TOKEN_CACHE_LIMIT`` tokens.
_tokens: dict[tuple[str, str], tuple[Actor, float]] = {}
TOKEN_CACHE_LIMIT = 10_000


def read_token(token: str, secret: str) -> Actor:
    """The actor a token stands for, if its signature is ``secret``'s and it has not expired."""
    hit = _tokens.get((secret, token))
    if hit is not None:
        actor, expires = hit
        if time.time() < expires:  # as PyJWT: expired from the second ``exp`` names
            return actor
        _tokens.pop((secret, token), None)
        raise _expired()
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError as err:
        raise _expired() from err
    actor = Actor(id=int(claims["sub"]), username=claims["usr"], role=claims["role"], zone_id=claims.get("zone"),
                  display_name=claims.get("name", ""), token_generation=int(claims.get("gen", 0)))
    if len(_tokens) >= TOKEN_CACHE_LIMIT:
        _tokens.clear()
    _tokens[(secret, token)] = (actor, float(claims["exp"]))
    return actor


TOKEN_CHECK_SECONDS = 2.0
_checked: dict[tuple[str, int], tuple[float, int, bool]] = {}
_USER_STATE = select(User.token_generation, User.disabled_at).where(User.id == bindparam("id"))


def _expired() -> Unauthorized:
    return Unauthorized("auth.token", "Authorization", "登录已失效，请重新登录",
                        "The sign-in has expired or is invalid; sign in again")


def _verdict(actor: Actor, state: tuple[float, int, bool]) -> Actor:
    _, generation, enabled = state
    if not enabled or generation != actor.token_generation:
        raise _expired()
    return actor


def check_current_cached(db: Database, actor: Actor) -> Actor | None:
    """``check_current`` from the cache alone: None when it holds no recent answer (never blocks)."""
    hit = _checked.get((db.url, actor.id))
    if hit is None or time.monotonic() - hit[0] > TOKEN_CHECK_SECONDS:
        return None
    return _verdict(actor, hit)


def check_current(db: Database, actor: Actor) -> Actor:
    """The token's actor, if its user still exists, is not disabled, and has not been signed out
    since the token was issued."""
    known = check_current_cached(db, actor)
    if known is not None:
        return known
    with db.read() as session:
        row = session.connection().execute(_USER_STATE, {"id": actor.id}).first()
    state = (time.monotonic(), row.token_generation if row else -1, row is not None and row.disabled_at is None)
    _checked[(db.url, actor.id)] = state
    return _verdict(actor, state)


_activity: dict[str, tuple[datetime, datetime | None]] = {}  # session key → (last seen here, last written)


def check_activity_cached(token: str, now: datetime, idle: timedelta) -> bool:
    """True when this process saw the session within ``idle`` and need not write yet (the request
    counts as activity); False when ``check_activity`` must decide (never blocks)."""
    key = idle_rule.session_key(token)
    hit = _activity.get(key)
    if hit is None or idle_rule.is_idle(hit[0], now, idle) or idle_rule.write_due(hit[1], now):
        return False
    _activity[key] = (now, hit[1])
    return True


def check_activity(db: Database, token: str, actor: Actor, now: datetime, idle: timedelta) -> None:
    """Refuse a session idle for longer than ``idle`` (401 ``auth.idle``); else count the request
    as its activity, written to the database at most every ``idle.WRITE_EVERY``."""
    key = idle_rule.session_key(token)
    claims = jwt.decode(token, options={"verify_signature": False})  # read_token checked the signature
    issued = datetime.fromtimestamp(int(claims.get("iat", 0)), UTC)
    seen, written = _activity.get(key, (None, None))
    last = idle_rule.last_activity(issued, seen)
    if idle_rule.is_idle(last, now, idle):  # this process has not seen it lately: ask the database
        with db.read() as session:
            stored = session.scalar(select(SessionActivity.last_seen_at).where(SessionActivity.key == key))
        last = idle_rule.last_activity(last, as_utc(stored) if stored else None)
        if idle_rule.is_idle(last, now, idle):
            _activity.pop(key, None)
            minutes = int(idle.total_seconds() // 60)
            raise Unauthorized("auth.idle", "Authorization",
                               f"已有 {minutes} 分钟未操作，为安全起见已自动退出登录，请重新登录",
                               f"Signed out after {minutes} minutes without activity, for safety; sign in again")
    if idle_rule.write_due(written, now):
        expires = datetime.fromtimestamp(int(claims.get("exp", 0)), UTC)
        with db.write() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            session.execute(insert(SessionActivity).values(key=key, user_id=actor.id, last_seen_at=now,
                                                           expires_at=expires)
                            .on_conflict_do_update(index_elements=["key"], set_={"last_seen_at": now}))
        written = now
    if len(_activity) > 10_000:  # forget sessions this process has not seen within the timeout
        for stale in [k for k, (t, _) in _activity.items() if idle_rule.is_idle(t, now, idle)]:
            _activity.pop(stale, None)
    _activity[key] = (now, written)


def purge_session_activity_job(db: Database, now: datetime) -> list[str]:
    """Job: forget the activity of sessions whose token has expired."""
    with db.write() as session:
        gone = session.execute(delete(SessionActivity).where(SessionActivity.expires_at < now)
                               .returning(SessionActivity.key)).all()
    return [f"expired sessions forgotten: {len(gone)}"] if gone else []


def _change_user(db: Database, username: str, action: str, now: datetime, by: Actor | None, *,
                 reason: str = "", **values: object) -> Actor:
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("user.unknown", "username", f"没有用户 {username}", f"No user {username}")
        session.execute(update(User).where(User.id == user.id)
                        .values(token_generation=User.token_generation + 1, **values))
        session.refresh(user)
        actor = actor_of(user)
        detail = {"reason": reason} if reason else {}
        audit.record(session, [audit.event(None, by, now, action, f"user:{username}", **detail)])
    _checked.pop((db.url, actor.id), None)
    return actor


ACCOUNT_ACTIONS = ("disable", "enable", "sign-out", "unlock")
"""What an administrator may do to an account (one route each)."""


def unknown_action(actions: Sequence[str] = ACCOUNT_ACTIONS) -> NotFound:
    return NotFound("user.action", "action", f"操作须为 {' | '.join(actions)}",
                    f"action must be one of {' | '.join(actions)}")


def sign_out_everywhere(db: Database, username: str, now: datetime, by: Actor | None = None) -> Actor:
    """Every token issued to the user so far stops working (``by``: who did it; None, the operator)."""
    return _change_user(db, username, "user.signed_out", now, by)


def disable_user(db: Database, username: str, now: datetime, by: Actor | None = None, reason: str = "") -> Actor:
    """The user can no longer sign in, and their tokens stop working; the records they made stay.
    ``reason`` (why, e.g. the person left) is recorded in the audit log."""
    if by is not None and by.username == username:
        raise DomainError("user.disable_self", "username", "不能停用自己的账号", "You cannot disable your own account")
    return _change_user(db, username, "user.disabled", now, by, reason=reason.strip(), disabled_at=now)


def enable_user(db: Database, username: str, now: datetime, by: Actor | None = None) -> Actor:
    return _change_user(db, username, "user.enabled", now, by, disabled_at=None)


def set_password(db: Database, username: str, password: str | SharedPassword, now: datetime,
                 by: Actor | None = None) -> Actor:
    """A new password; tokens issued with the old one stop working."""
    check_password(_text_of(password), username)
    return _change_user(db, username, "user.password_set", now, by, password_hash=_hash(password))


def display_names(db: Database, ids: Iterable[int | None]) -> dict[int, str]:
    """The names to show for these user ids (the display name, else the username)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    with db.read() as session:
        rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(wanted)))
        return {row.id: row.display_name or row.username for row in rows}


def _users(q: str, role: str | None) -> Select[User]:
    query = select(User).order_by(User.role, User.username)
    if role:
        query = query.where(User.role == role)
    if q:
        pattern = like_pattern(q)
        query = query.where(or_(User.username.like(pattern, escape="\\"), User.display_name.like(pattern, escape="\\")))
    return query


@dataclass(frozen=True)
class AccountLine:
    """An account as administrators list it (no password hash); while failed sign-ins make its next
    sign-in wait, until when (``locked_until``) and after how many (``failed_sign_ins``)."""

    username: str
    display_name: str
    role: str
    zone: str | None
    disabled: bool
    created_at: datetime
    locked_until: datetime | None
    failed_sign_ins: int

    def as_json(self) -> dict[str, Any]:
        """As ``UserOut``: times in ISO 8601, UTC."""
        return {"username": self.username, "display_name": self.display_name, "role": self.role, "zone": self.zone,
                "disabled": self.disabled, "created_at": as_utc(self.created_at).isoformat(),
                "locked_until": as_utc(self.locked_until).isoformat() if self.locked_until else None,
                "failed_sign_ins": self.failed_sign_ins}


def list_users(db: Database, now: datetime | None = None, request: PageRequest = PageRequest(),
               role: str | None = None) -> PageOf[AccountLine]:
    """One page of the accounts (by role, then name; searched by user name or name, ``q``), for
    administrators: no password hashes; ``locked_until`` and ``failed_sign_ins`` when failed
    sign-ins lock it now."""
    locks = sign_in_delays(db, now or utcnow())
    query = _users(request.q, role)
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        users = session.scalars(query.offset(request.offset).limit(request.per_page)).all()
    result: list[AccountLine] = []
    for u in users:
        until, failures = locks.get(("account", u.username), (None, 0))
        result.append(AccountLine(u.username, u.display_name, u.role, u.zone_id, u.disabled_at is not None,
                                  u.created_at, until, failures))
    return PageOf(result, int(total), request.page, request.per_page)


USERS_EXPORT_HEADER = ("username", "display_name", "role", "zone", "disabled", "created_at")


def export_users(db: Database, q: str = "", role: str | None = None) -> list[list[object]]:
    """Every account of the list (with the same search), as rows under ``USERS_EXPORT_HEADER``
    (no password hashes; times in China Standard Time)."""
    query = _users(search_text(q), role)
    with db.read() as session:
        check_export_size(session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
        return [[u.username, u.display_name, u.role, u.zone_id or "", "yes" if u.disabled_at else "no",
                 as_utc(u.created_at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")] for u in session.scalars(query)]


def change_own_password(db: Database, actor: Actor, current: str, new: str, now: datetime,
                        address: str | None = None, halls: Sequence[throttle.Network] = ()) -> Actor:
    """A user changes their own password: the current one is checked as a sign-in is (a wrong one
    counts towards the sign-in limits), the new one against the password rule; every session
    issued before ends, and the returned actor's token generation is the new one."""
    try:
        authenticate(db, actor.username, current, now=now, address=address, halls=halls)
    except Unauthorized as err:
        raise DomainError("user.current_password", "current_password", "当前密码不正确",
                          "The current password is wrong") from err
    if new == current:
        raise DomainError("user.password_unchanged", "new_password", "新密码不能与当前密码相同",
                          "The new password must differ from the current one")
    check_password(new, actor.username, "new_password")
    return _change_user(db, actor.username, "user.password_set", now, actor, password_hash=_hasher.hash(new))
