"""Users: creation, sign-in (argon2 password hashes) and bearer tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select

from yima.accounts.rules import Actor, check_role
from yima.accounts.tables import User
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
                 display_name=user.display_name or user.username)


def add_user(db: Database, username: str, role: str, password: str, now: datetime,
             zone_id: str | None = None, display_name: str = "") -> Actor:
    check_role(role, zone_id)
    if len(password) < 8:
        raise DomainError("user.password", "password", "密码至少 8 位", "The password needs at least 8 characters")
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
        return actor_of(user)


def authenticate(db: Database, username: str, password: str) -> Actor:
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is not None:
            try:
                _hasher.verify(user.password_hash, password)
                return actor_of(user)
            except (VerifyMismatchError, InvalidHashError):
                pass
    raise Unauthorized("auth.credentials", "password", "用户名或密码错误", "Wrong username or password")


def issue_token(actor: Actor, secret: str, now: datetime, minutes: int) -> str:
    claims = {"sub": str(actor.id), "usr": actor.username, "role": actor.role, "zone": actor.zone_id,
              "name": actor.display_name, "iat": int(now.timestamp()),
              "exp": int((now + timedelta(minutes=minutes)).timestamp())}
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, secret: str) -> Actor:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError as err:
        raise Unauthorized("auth.token", "Authorization", "登录已失效，请重新登录",
                           "The sign-in has expired or is invalid; sign in again") from err
    return Actor(id=int(claims["sub"]), username=claims["usr"], role=claims["role"], zone_id=claims.get("zone"),
                 display_name=claims.get("name", ""))
