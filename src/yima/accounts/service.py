"""Users: creation, sign-in (argon2 password hashes), bearer tokens (JWT, HS256), signing a
user out everywhere and disabling an account.

A token carries the user's token generation (``gen``). Signing out everywhere, a new password
or disabling the account raises the generation, and a token of an older generation is refused.
Each request checks the token against the user's record, read through a per-process cache of
``TOKEN_CHECK_SECONDS``: a change made by another worker process takes effect within that time,
one made in this process at once.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from yima.accounts.rules import Actor, check_role
from yima.accounts.tables import User
from yima.audit import service as audit
from yima.db import Database
from yima.errors import Conflict, DomainError, NotFound, Unauthorized
from yima.zones.tables import Zone

_hasher = PasswordHasher()


def configure_hasher(time_cost: int, memory_kib: int) -> None:
    """Argon2 cost; the defaults (RFC 9106 low-memory profile) suit production, tests lower them."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, role=user.role, zone_id=user.zone_id,
                 display_name=user.display_name or user.username, token_generation=user.token_generation)


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise DomainError("user.password", "password", "密码至少 8 位", "The password needs at least 8 characters")


def add_user(db: Database, username: str, role: str, password: str, now: datetime,
             zone_id: str | None = None, display_name: str = "") -> Actor:
    check_role(role, zone_id)
    _check_password(password)
    if not username or len(username) > 64:
        raise DomainError("user.username", "username", "用户名须为 1 至 64 个字符",
                          "The username must have 1 to 64 characters")
    with db.write() as session:
        if zone_id is not None and session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise Conflict("user.exists", "username", f"用户名 {username} 已存在", f"User {username} exists")
        user = User(username=username, role=role, zone_id=zone_id, display_name=display_name,
                    password_hash=_hasher.hash(password), created_at=now)
        session.add(user)
        session.flush()
        audit.record(session, [audit.event(None, None, now, "user.added", f"user:{username}", role=role,
                                           zone=zone_id)])
        return actor_of(user)


def add_account_without_password(session: Session, username: str, role: str, zone_id: str, now: datetime,
                                 by: Actor | None = None) -> User:
    """An account nobody can sign in to until an administrator sets its password (an import's
    unknown user), in the caller's transaction."""
    check_role(role, zone_id)
    if not username or len(username) > 64:
        raise DomainError("user.username", "username", "用户名须为 1 至 64 个字符",
                          "The username must have 1 to 64 characters")
    user = User(username=username, role=role, zone_id=zone_id, display_name="", password_hash="", created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, [audit.event(None, by, now, "user.added", f"user:{username}", role=role, zone=zone_id,
                                       password=False)])
    return user


def authenticate(db: Database, username: str, password: str) -> Actor:
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is not None:
            try:
                _hasher.verify(user.password_hash, password)
            except (VerifyMismatchError, InvalidHashError):
                pass
            else:
                if user.disabled_at is not None:
                    raise Unauthorized("auth.disabled", "username", "该账号已停用，请联系管理员",
                                       "This account is disabled; ask an administrator")
                return actor_of(user)
    raise Unauthorized("auth.credentials", "password", "用户名或密码错误", "Wrong username or password")


def issue_token(actor: Actor, secret: str, now: datetime, minutes: int) -> str:
    claims = {"sub": str(actor.id), "usr": actor.username, "role": actor.role, "zone": actor.zone_id,
              "name": actor.display_name, "gen": actor.token_generation, "iat": int(now.timestamp()),
              "exp": int((now + timedelta(minutes=minutes)).timestamp())}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, secret: str) -> Actor:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError as err:
        raise _expired() from err
    return Actor(id=int(claims["sub"]), username=claims["usr"], role=claims["role"], zone_id=claims.get("zone"),
                 display_name=claims.get("name", ""), token_generation=int(claims.get("gen", 0)))


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


def _change_user(db: Database, username: str, action: str, now: datetime, by: Actor | None,
                 **values: object) -> Actor:
    with db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound("user.unknown", "username", f"没有用户 {username}", f"No user {username}")
        session.execute(update(User).where(User.id == user.id)
                        .values(token_generation=User.token_generation + 1, **values))
        session.refresh(user)
        actor = actor_of(user)
        audit.record(session, [audit.event(None, by, now, action, f"user:{username}")])
    _checked.pop((db.url, actor.id), None)
    return actor


def sign_out_everywhere(db: Database, username: str, now: datetime, by: Actor | None = None) -> Actor:
    """Every token issued to the user so far stops working (``by``: who did it; None, the operator)."""
    return _change_user(db, username, "user.signed_out", now, by)


def disable_user(db: Database, username: str, now: datetime, by: Actor | None = None) -> Actor:
    """The user can no longer sign in, and their tokens stop working; the records they made stay."""
    if by is not None and by.username == username:
        raise DomainError("user.disable_self", "username", "不能停用自己的账号", "You cannot disable your own account")
    return _change_user(db, username, "user.disabled", now, by, disabled_at=now)


def enable_user(db: Database, username: str, now: datetime, by: Actor | None = None) -> Actor:
    return _change_user(db, username, "user.enabled", now, by, disabled_at=None)


def set_password(db: Database, username: str, password: str, now: datetime, by: Actor | None = None) -> Actor:
    """A new password; tokens issued with the old one stop working."""
    _check_password(password)
    return _change_user(db, username, "user.password_set", now, by, password_hash=_hasher.hash(password))


def list_users(db: Database) -> list[dict[str, object]]:
    """Every account, for administrators: no password hashes."""
    with db.read() as session:
        return [{"username": u.username, "display_name": u.display_name, "role": u.role, "zone": u.zone_id,
                 "disabled": u.disabled_at is not None, "created_at": u.created_at}
                for u in session.scalars(select(User).order_by(User.role, User.username))]
