"""Commands: ``yima bench register|verify|seals|stats|federation|lists|pages``, each timing one path end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from fastapi.routing import APIRoute

from yima.bench.federation import MAX_ZONES, run_federation_benchmark
from yima.bench.licences import run_verify_benchmark
from yima.bench.lists import run_lists_benchmark
from yima.bench.pages import run_pages_benchmark
from yima.bench.register import run_register_benchmark
from yima.bench.seals import run_seal_benchmark
from yima.bench.stats import run_stats_benchmark
from yima.cli_support import CommandGroups, StandardSource, console, domain_errors, err_console, given_standard
from yima.clock import utcnow
from yima.jobs import JOBS, STANDARD_JOBS, run_jobs
from yima.registry import Registry
from yima.web.app import ROUTERS


def bench_register(clients: Annotated[int, typer.Option(help="Concurrent clients")] = 16,
                   count: Annotated[int, typer.Option(help="Applications to submit")] = 2000,
                   db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh "
                                                          "SQLite file)")] = None,
                   workers: Annotated[int, typer.Option(help="Server worker processes (one per core)")] = 2,
                   sqlite_synchronous: Annotated[str, typer.Option(
                       "--sqlite-synchronous", help="FULL (durable, the default) or NORMAL, to measure what "
                       "durable commits cost")] = "FULL",
                   servers: Annotated[int, typer.Option(min=1, help="yima serve processes sharing the load "
                                                        "(on PostgreSQL: stateless servers on one database)")] = 1,
                   floor: Annotated[bool, typer.Option(help="Measure the floor first (uvicorn, ApplicationIn, "
                                                       "one INSERT per request)")] = True,
                   register: Annotated[int, typer.Option(
                       "--register", min=0, help="Synthetic enterprises in the zone's register before the runs (the "
                       "first million loaded, whole millions beyond it copied): 秒批 at a province's scale")] = 0,
                   ) -> None:
    """A live server and C clients submitting applications that qualify for 秒批."""
    if sqlite_synchronous.upper() not in ("FULL", "NORMAL"):
        err_console.print("[red]✗ bench.sqlite_synchronous[/red] [--sqlite-synchronous] 须为 FULL 或 NORMAL / "
                          "must be FULL or NORMAL")
        raise typer.Exit(2)
    run_register_benchmark(console, clients=clients, count=count, db_url=db, workers=workers,
                           sqlite_synchronous=sqlite_synchronous.upper(), servers=servers, floor=floor,
                           register=register)


def bench_verify(n: Annotated[int, typer.Option(help="Verifications to time")] = 5000) -> None:
    """Offline verifications per second against raw signature checks of the same algorithm."""
    run_verify_benchmark(console, n)


def bench_seals(n: Annotated[int, typer.Option("--n", min=1, help="Operations of each kind")] = 50) -> None:
    """Seal operations and validations per second on a one-page PDF (a throwaway SQLite database)."""
    run_seal_benchmark(console, n, utcnow())


def bench_stats(standard: StandardSource,
                n: Annotated[int, typer.Option("--n", help="Entities in the synthetic register")] = 1_000_000,
                db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh SQLite "
                                                       "file)")] = None,
                keep: Annotated[bool, typer.Option("--keep", help="Keep the zone, database and CSV")] = False) -> None:
    """Generate a synthetic register of N entities, import it, and time the full report."""
    run_stats_benchmark(console, standard(), n=n, db_url=db, keep=keep)


def bench_federation(standard: StandardSource,
                     count: Annotated[int, typer.Option(help="Applications forwarded under load")] = 200,
                     clients: Annotated[int, typer.Option(help="Concurrent clients (spread over the zones)")] = 6,
                     zones: Annotated[int, typer.Option(min=2, max=MAX_ZONES, help="Zones, each a yima serve "
                                                        "process, in one network")] = 3,
                     local: Annotated[int, typer.Option(min=1, help="One-at-a-time forwards and local 秒批 "
                                                        "on the idle pair")] = 20) -> None:
    """N live instances in one network (the first its authority), forwarding around a ring:
    licences delivered back per second, submission → delivered licence, what a forward adds over
    a local 秒批 on an idle pair, and what the network costs."""
    run_federation_benchmark(console, standard(), count=count, clients=clients, zones=zones, local=local)


def bench_lists(n: Annotated[int, typer.Option("--n", min=1, help="Projects in the zone")] = 100_000,
                db: Annotated[str | None, typer.Option("--db", help="Database URL (default: a fresh SQLite "
                                                       "file)")] = None) -> None:
    """A zone of N synthetic projects: the investment office's list (first and last page, a
    search), its figures and the CSV export, timed."""
    run_lists_benchmark(console, n=n, db_url=db)


def page_command(registry: Registry, standard: StandardSource) -> Callable[..., None]:
    """``yima bench pages`` over the pages and jobs the features installed (the registry the
    composition root built), with the standard the root resolves."""

    def bench_pages(entities: Annotated[int, typer.Option("--entities", min=0, help="Entities in the synthetic "
                                                          "register (at least 500)")] = 500,
                    projects: Annotated[int, typer.Option("--projects", min=0, help="Synthetic projects added to "
                                                          "the demo's")] = 0,
                    suggestions: Annotated[int, typer.Option("--suggestions", min=0, help="Suggestions in the "
                                                             "observers' zone (copies of the demo's)")] = 0,
                    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed visits of each page")] = 3,
                    keep: Annotated[Path | None, typer.Option("--keep", help="Keep the seeded database in this "
                                                              "directory; a later run with the same directory "
                                                              "visits it again without seeding")] = None,
                    db: Annotated[str | None, typer.Option("--db", help="An empty database to seed and visit "
                                                           "(default: a fresh SQLite file); kept afterwards")]
                    = None) -> None:
        """The demo's zone at a scale of its own behind yima serve: every page visited as a role
        that may see it, the slowest ten against /healthz."""
        paths = [route.path for router in registry.items(ROUTERS) for route in router.routes
                 if isinstance(route, APIRoute) and "GET" in (route.methods or ())]
        applied = standard()
        jobs = lambda db, now: run_jobs(db, now, applied, registry.items(JOBS), registry.items(STANDARD_JOBS))  # noqa: E731
        run_pages_benchmark(console, paths, applied, jobs, entities=entities, projects=projects,
                            suggestions=suggestions, runs=runs, keep=keep, db_url=db)

    return bench_pages


def add_commands(groups: CommandGroups) -> None:
    groups.bench.command("register")(bench_register)
    groups.bench.command("verify")(bench_verify)
    groups.bench.command("seals")(bench_seals)
    groups.bench.command("stats")(domain_errors(given_standard(bench_stats, groups.standard)))
    groups.bench.command("federation")(given_standard(bench_federation, groups.standard))
    groups.bench.command("lists")(domain_errors(bench_lists))
    groups.bench.command("pages")(domain_errors(page_command(groups.registry, groups.standard)))
