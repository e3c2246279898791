"""Fixtures of the operations tests."""

from reliability.serve_process import own_database  # noqa: F401 (a fixture: a database of the test's own)
