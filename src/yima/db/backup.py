"""Online, consistent backups of the database and their restore.

SQLite: the library's online backup API (``sqlite3.Connection.backup``) copies a consistent
snapshot while the server keeps serving; the backup is itself an SQLite database. PostgreSQL:
``pg_dump --format=custom`` (one snapshot, taken while the server keeps serving) and
``pg_restore``; the password goes to the tools in their environment, never on the command line.
A restore into a database that already holds tables is refused unless asked to replace them.
The data directory (uploaded materials) is not part of the database and is copied on its own.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from yima.db.engine import normalise_url
from yima.errors import Conflict, DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise DomainError("backup.database", "db", "内存数据库无法备份", "An in-memory database cannot be backed up")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it."""
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DomainError("backup.tool_missing", "db", f"找不到 {name}（PostgreSQL 客户端工具）",
                          f"{name} (PostgreSQL client tools) is not installed")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["(no message)"])[-1][:300]
        raise DomainError("backup.tool_failed", "db", f"{Path(command[0]).name} 失败：{reason}",
                          f"{Path(command[0]).name} failed: {reason}")


def backup(database_url: str, target: Path) -> int:
    """Write a consistent backup of the database to ``target``; its size in bytes. The file is
    written beside the target first and moved into place, so a failed backup leaves no half file."""
    url = make_url(normalise_url(database_url))
    partial = target.with_name(target.name + ".partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        if url.drivername.startswith("sqlite"):
            source = sqlite3.connect(_sqlite_path(url))
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            uri, env = _libpq(url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
                  f"--dbname={uri}"], env)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def backup_kind(path: Path) -> str:
    """``sqlite`` or ``postgresql``, from the file's first bytes."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise DomainError("restore.format", "FILE", "不是 yima backup 生成的备份文件（SQLite 数据库或 pg_dump 归档）",
                      "Not a backup made by yima backup (an SQLite database or a pg_dump archive)")


def holds_tables(database_url: str) -> bool:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def restore(source: Path, database_url: str, replace: bool = False) -> str:
    """Restore the backup ``source`` into the database; the backup's kind. The database must be
    of the backup's kind, and empty unless ``replace``."""
    url = make_url(normalise_url(database_url))
    kind = backup_kind(source)
    target_kind = "sqlite" if url.drivername.startswith("sqlite") else "postgresql"
    if kind != target_kind:
        raise DomainError("restore.kind", "db", f"这是 {kind} 备份，不能恢复到 {target_kind} 数据库",
                          f"This is a {kind} backup; it cannot be restored into a {target_kind} database")
    if not replace and holds_tables(database_url):
        raise Conflict("restore.not_empty", "db", "目标数据库已有数据表；确认要覆盖请加 --replace",
                       "The target database already holds tables; add --replace to overwrite them")
    if kind == "sqlite":
        path = _sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        backup_copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(path)
        try:
            backup_copy.backup(live)  # page by page into the live file, under its own locks
        finally:
            live.close()
            backup_copy.close()
    else:
        uri, env = _libpq(url)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={uri}", str(source)], env)
    return kind
