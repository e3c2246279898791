"""Schema changes only by Alembic migrations; this runs them programmatically."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config

from yima.db.engine import normalise_url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("yima.db").joinpath("migrations")))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
