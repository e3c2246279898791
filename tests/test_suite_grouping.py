"""The suite's parallel run keeps each ``xdist_group`` on one worker. Modules whose module-scoped
fixtures start servers rely on it (the two federation instances, the network, the message log):
their later tests read what the earlier ones did. pytest 9 renamed the attribute pytest-xdist 3.8
rewrites to mark the group, which silently spread such modules over every worker; this fails when
the group is lost again."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("grouping_probe")


def test_a_grouped_test_carries_its_group_under_loadgroup(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a pytest-xdist run with --dist loadgroup (make test runs one)")
    assert request.node.nodeid.endswith("@grouping_probe"), request.node.nodeid


def test_the_units_are_handed_out_longest_first(request: pytest.FixtureRequest) -> None:
    """``LONGEST_FIRST`` (tests/conftest.py) orders the work units only if xdist keeps that order:
    its default sorts them by their number of tests, which put every grouped module before the
    schemathesis test and the route matrix and let one worker queue two of them (the two schemathesis
    runs, one per database, before they became one test)."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a pytest-xdist run with --dist loadgroup (make test runs one)")
    assert request.config.option.loadscopereorder is False, "make test passes --no-loadscope-reorder"
