"""``yima backup`` and ``yima restore``: a populated database (applications, enterprises, licences,
permits, seals, audit entries) round-trips record for record, its audit chains verify after the
restore, a backup taken while the database is written is consistent, and a restore never
overwrites a database by accident."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from factories import CATERING, HOTEL, NOW
from reliability.load_helpers import establishment
from reliability.serve_process import fresh_database
from yima.app.schema import metadata
from yima.audit import service as audit
from yima.audit.tables import AuditEntry
from yima.cli import app
from yima.db import Database
from yima.registration import service as registration
from yima.registration.model import ApplicationIn
from yima.registration.tables import Application
from yima.seals.service import issue_pending_seal_sets

runner = CliRunner()


def populate(db: Database, standard: Any, people: dict[str, Any]) -> None:
    alice, bob = people["alice"], people["bob"]
    for n in range(4):
        registration.submit(db, standard, alice, ApplicationIn.model_validate(establishment(n)), NOW)
    for extra in (HOTEL, CATERING):  # bundled permits (一业一证)
        registration.submit(db, standard, bob, ApplicationIn.model_validate({**establishment(10), **extra}), NOW)
    review = {**establishment(20), "materials": ["application_form"]}
    registration.submit(db, standard, bob, ApplicationIn.model_validate(review), NOW)
    issue_pending_seal_sets(db, NOW)


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    rows = {}
    with db.read() as session:
        for table in metadata.sorted_tables:
            rows[table.name] = [tuple(r) for r in session.execute(select(table).order_by(*table.primary_key))]
    return rows


@contextmanager
def empty_like(db: Database, request: pytest.FixtureRequest, workdir: Path) -> Iterator[str]:
    postgres = None if db.is_sqlite else request.getfixturevalue("postgres_url")
    with fresh_database("sqlite" if db.is_sqlite else "postgresql", postgres, workdir) as url:
        yield url


def test_a_populated_database_round_trips_and_its_audit_chains_verify(db, standard, people, tmp_path, request):
    populate(db, standard, people)
    before = snapshot(db)
    for table in ("applications", "enterprises", "licences", "permits", "seal_sets", "seals", "audit_log"):
        assert before[table], f"nothing in {table} to round-trip"
    made = runner.invoke(app, ["backup", str(tmp_path / "yima.backup"), "--db", db.url])
    assert made.exit_code == 0, made.output
    with empty_like(db, request, tmp_path) as target:
        restored = runner.invoke(app, ["restore", str(tmp_path / "yima.backup"), "--db", target])
        assert restored.exit_code == 0, restored.output
        copy = Database(target)
        try:
            assert snapshot(copy) == before
            chains = audit.chains(copy)
            assert set(chains) == set(audit.chains(db)) and len(chains) >= 2
            for chain in chains:
                check = audit.verify_chain(copy, chain)
                assert check.ok and check.head == audit.verify_chain(db, chain).head
                assert f"audit {chain}: {check.entries:,} entries verify" in restored.output
        finally:
            copy.dispose()


def test_a_backup_taken_while_applications_are_submitted_is_consistent(db, standard, people, tmp_path, request):
    stop = threading.Event()

    def write() -> None:
        n = 100
        while not stop.is_set():
            registration.submit(db, standard, people["alice"], ApplicationIn.model_validate(establishment(n)), NOW)
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(_application_ids(db)) < 3:
            time.sleep(0.05)
        for n in range(3):
            made = runner.invoke(app, ["backup", str(tmp_path / f"during-{n}.backup"), "--db", db.url])
            assert made.exit_code == 0, made.output
    finally:
        stop.set()
        writer.join()
    for n in range(3):
        with empty_like(db, request, tmp_path) as target:
            assert runner.invoke(app, ["restore", str(tmp_path / f"during-{n}.backup"), "--db", target]).exit_code == 0
            copy = Database(target)
            try:
                apps = _application_ids(copy)
                with copy.read() as session:
                    submitted = session.scalars(select(AuditEntry.subject)
                                                .where(AuditEntry.action == "application.submitted")).all()
                assert apps and sorted(submitted) == sorted(f"application:{i}" for i in apps)
                assert all(audit.verify_chain(copy, chain).ok for chain in audit.chains(copy))
            finally:
                copy.dispose()


def _application_ids(db: Database) -> list[int]:
    with db.read() as session:
        return list(session.scalars(select(Application.id)))


def test_restore_refuses_a_database_that_holds_tables_unless_told_to_replace(db, standard, people, tmp_path):
    populate(db, standard, people)
    assert runner.invoke(app, ["backup", str(tmp_path / "a.backup"), "--db", db.url]).exit_code == 0
    registration.submit(db, standard, people["alice"], ApplicationIn.model_validate(establishment(50)), NOW)
    after = snapshot(db)
    refused = runner.invoke(app, ["restore", str(tmp_path / "a.backup"), "--db", db.url])
    assert refused.exit_code == 1 and "restore.not_empty" in refused.output and "--replace" in refused.output
    assert snapshot(db) == after
    replaced = runner.invoke(app, ["restore", str(tmp_path / "a.backup"), "--db", db.url, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert len(snapshot(db)["applications"]) == len(after["applications"]) - 1


def test_restore_names_a_file_that_is_not_a_backup(db, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    refused = runner.invoke(app, ["restore", str(junk), "--db", db.url])
    assert refused.exit_code == 1 and "restore.format" in refused.output
    assert inspect(db.engine).get_table_names()  # the database is untouched
