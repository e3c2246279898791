"""The demo's accounts as the demo seeding uses them: one published password, hashed once, and the
accounts the demo seeding acts as, read rather than signed in to."""

from __future__ import annotations

from sqlalchemy import select

from yima.accounts.service import SharedPassword, actor_of, shared_password
from yima.accounts.tables import User
from yima.actors import Actor
from yima.db import Database


def demo_password(password: str | SharedPassword) -> SharedPassword:
    """``password`` hashed once for all the accounts it is given (at the production cost an Argon2
    hash takes about 0.2 CPU s; the demo adds some twenty accounts with the same password)."""
    return password if isinstance(password, SharedPassword) else shared_password(password)


def demo_actor(db: Database, username: str) -> Actor:
    """The account ``username``, which the demo seeding made and now acts as (submits, decides, rates):
    read, not signed in, so that no Argon2 check of the password it was just given is made."""
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(f"the demo has no account {username}")
    return actor_of(user)
