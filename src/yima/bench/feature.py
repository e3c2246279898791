"""What the benchmarks add to the application: the ``yima bench`` commands."""

from __future__ import annotations

from yima.bench import cli
from yima.cli_support import COMMANDS
from yima.registry import Registry


def install(registry: Registry) -> None:
    registry.add(COMMANDS, cli.add_commands)
