"""A project's stages: one enum of the v1 strings, the table of the dated milestones (pure), one
writer of a stage record, and nobody spelling a stage bare; the stored values and v1 JSON stay."""

from __future__ import annotations

import ast
import json
import re
from datetime import date
from decimal import Decimal
from typing import get_args

import pytest
from sqlalchemy import text

from factories import NOW
from source_scan import SRC, pages, scan
from yima.errors import DomainError
from yima.projects import rules, service
from yima.projects.model import ProjectIn, StageIn, StageName
from yima.projects.rules import CHAIN, STAGE_NAMES, STAGES, Stage


def test_the_stages_are_the_v1_strings_and_the_api_names_the_same():
    assert [s.value for s in Stage] == ["signed", "registered", "landed", "started", "completed"]
    assert get_args(StageName) == tuple(s.value for s in STAGES)
    assert set(STAGE_NAMES) == set(Stage) and Stage.REGISTERED not in CHAIN


def test_the_chain_is_the_table_of_what_may_be_set_next():
    assert rules.next_stages({}) == [Stage.SIGNED, Stage.REGISTERED]
    assert rules.next_stages({"signed": date(2026, 1, 1)}) == ["landed", "registered"]
    assert rules.next_stages({s: date(2026, 1, 1) for s in STAGES}) == []
    with pytest.raises(DomainError) as missing:  # started needs landed first
        rules.check_stage_dates({"signed": date(2026, 1, 1), "started": date(2026, 2, 1)}, date(2026, 3, 1))
    assert missing.value.finding.rule == "project.stage_missing" and missing.value.finding.field == "landed_on"


_WORDS = {s.value for s in Stage}


def _bare_uses(tree: ast.AST) -> list[int]:
    """A stage (``stage``, ``body.stage``, ``s.stage``) compared with a bare literal, or a
    ``ProjectStage(stage=...)`` made with one."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            words = {c.value for s in sides for c in ast.walk(s) if isinstance(c, ast.Constant)}
            if words & _WORDS and any((isinstance(s, ast.Attribute) and s.attr == "stage")
                                      or (isinstance(s, ast.Name) and s.id == "stage") for s in sides):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "ProjectStage":
            if any(k.arg == "stage" and isinstance(k.value, ast.Constant) for k in node.keywords):
                found.append(node.lineno)
    return found


def test_the_probe_finds_what_it_looks_for():
    probe = 'if body.stage == "registered": pass\nstage != "signed"\nProjectStage(stage="landed", reached_on=d)\n'
    assert sorted(_bare_uses(ast.parse(probe))) == [1, 2, 3]
    assert _bare_uses(ast.parse('body.stage == Stage.REGISTERED\nfigure == "landed"\n')) == []


def test_nobody_spells_a_stage_and_only_add_stage_records_one():
    assert scan(_bare_uses, mentions="stage") == {}
    makers = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
              if "migrations" not in p.parts and re.search(r"(?<!class )\bProjectStage\(", p.read_text("utf-8"))}
    assert makers == {"projects/service.py"}
    assert pages(r"\bstage\s*(?:[!=]=|in)\s*\(?['\"]", under=SRC / "projects") == set()


@pytest.mark.db
def test_stored_values_and_the_json_are_the_v1_strings(db, people):
    admin = people["admin"]
    project = service.create_project(db, admin, ProjectIn(
        zone="cq-gxq", code="CQ-2026-021", name="智能终端", investor="渝电股份", investor_tags=[],
        industry_code="C3921", amount=Decimal("120000000"), signed_on=date(2026, 2, 1)), NOW).id
    answered = service.set_stage(db, admin, project, StageIn(stage="landed", on=date(2026, 3, 1)), NOW)
    with db.read() as session:
        stored = session.execute(text("SELECT stage FROM project_stages WHERE project_id = :p ORDER BY id"),
                                 {"p": project}).scalars().all()
    assert stored == ["signed", "landed"] and {type(s) for s in stored} == {str}
    body = json.loads(answered.model_dump_json())
    assert [s["stage"] for s in body["stages"]] == ["signed", "landed"]
    assert {k for k, v in body["stages_on"].items() if v} == {"signed", "landed"}
