"""Engine, sessions and migrations shared by every feature."""

from yima.db.base import Base
from yima.db.engine import Database

__all__ = ["Base", "Database"]
