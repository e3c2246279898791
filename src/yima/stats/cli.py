"""Commands: ``yima stats`` and ``yima import entities``.

``feature.install`` adds ``add_commands``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from yima.cli_support import (
    CommandGroups,
    DbOption,
    StandardSource,
    console,
    domain_errors,
    err_console,
    given_standard,
    open_db,
    print_import_summary,
    read_text_source,
    row_progress,
)
from yima.clock import local_date, utcnow
from yima.config import get_settings
from yima.errors import DomainError
from yima.keys import service as keys
from yima.keys.trustlist import TrustList
from yima.stats.briefing import briefing_zh, figure_rows, pct
from yima.stats.checker import count_records
from yima.stats.importer import import_register
from yima.stats.publication import check_report
from yima.stats.report import figures_report_pdf
from yima.stats.rules import ZoneFigures, parse_period
from yima.stats.sections import sections
from yima.stats.service import compute_figures
from yima.stats.spreadsheet import figures_workbook


class Format(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


def stats(standard: StandardSource, zone: Annotated[str, typer.Option("--zone", help="Zone id, e.g. cq-gxq")],
          start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")],
          end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD")],
          output: Annotated[Format, typer.Option("--format", help="table | json | xlsx | pdf")] = Format.table,
          out: Annotated[Path | None, typer.Option("--out", help="Write to this file")] = None,
          db: DbOption = None) -> None:
    """The zone's figures for a period, compared with the same period a year earlier."""
    period = parse_period(start, end)
    database = open_db(db)
    try:
        figures = compute_figures(database, zone, period, standard(),
                                  seal_set_price_yuan=get_settings().seal_set_price_yuan)
    finally:
        database.dispose()
    if output is Format.table:
        print_figures(figures)
        return
    if output is Format.json:
        text = json.dumps(figures.as_json(), ensure_ascii=False, indent=2)
        if out is None:
            typer.echo(text)
        else:
            out.write_text(text + "\n", "utf-8")
            console.print(f"[green]✓[/green] {out}")
        return
    if output is Format.xlsx:
        content = figures_workbook(figures)
    else:
        content = figures_report_pdf(figures, utcnow())
    target = out or Path(f"yima-{zone}-{period.start}-{period.end}.{output.value}")
    target.write_bytes(content)
    console.print(f"[green]✓[/green] {target} ({len(content):,} bytes)")


def print_figures(figures: ZoneFigures) -> None:
    base = figures.base_period
    table = Table("指标 / figure", "数值 / value", "单位", "上年同期 / year earlier", "增长 / growth",
                  title=f"{figures.zone_name} {figures.period.start} – {figures.period.end} "
                        f"(vs {base.start} – {base.end})")
    for row in figure_rows(figures):
        growth = "" if row.growth_pct is None else pct(row.growth_pct)
        if row.growth_pct is not None:
            growth = f"[red]▲ {growth}[/red]" if row.growth_pct >= 0 else f"[green]▼ {pct(-row.growth_pct)}[/green]"
        table.add_row(f"{row.zh}\n[dim]{row.en}[/dim]", _number(row.value), row.unit_zh, _number(row.year_earlier),
                      growth)
    console.print(table)
    if figures.approval_times:
        timing = Table("事项 / matter", "批准 / approved", "中位数 h / median h", "平均 h / mean h",
                       "法定时限 / limit", "时限内 / within", title="审批用时 / approval time")
        for t in figures.approval_times:
            timing.add_row(f"{t.name_zh} {t.name_en}", f"{t.approved:,}", f"{t.median_hours or 0:.3f}",
                           f"{t.mean_hours or 0:.3f}", f"{t.statutory_days} d", pct(t.within_limit_pct))
        console.print(timing)
    for section in sections():
        numbers = figures.sections.get(section.name)
        lines = section.rows(numbers) if numbers is not None else []
        if not lines:
            continue
        extra = Table("指标 / figure", "数值 / value", "单位", "上年同期 / year earlier", "增长 / growth",
                      title=f"{section.title_zh} / {section.title_en}")
        for line in lines:
            growth = "" if line.growth_pct is None else pct(line.growth_pct)
            extra.add_row(f"{line.zh}\n[dim]{line.en}[/dim]", _number(line.value), line.unit_zh,
                          _number(line.year_earlier), growth)
        console.print(extra)
    for paragraph in briefing_zh(figures):
        console.print(paragraph)


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"


def import_entities(standard: StandardSource,
                    file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="UTF-8 CSV register")],
                    zone: Annotated[str, typer.Option("--zone", help="Zone id to import into")],
                    db: DbOption = None) -> None:
    """Load an existing register of market entities; bad rows are reported and skipped."""
    database = open_db(db)
    now = utcnow()
    try:
        total = count_records(file) if file.is_file() else 0
        with row_progress(console) as progress:
            task = progress.add_task("import", total=total)
            summary = import_register(database, standard(), zone, file, now, local_date(now),
                                      on_progress=lambda done: progress.update(task, completed=done))
    finally:
        database.dispose()
    print_import_summary(summary, file, zone, "skipped, already registered / 已存在，跳过", extra=(
        ("rate / 速度", f"{summary.rows_per_second:,.0f} rows/s in {summary.seconds:.1f} s"),))


def verify_report(standard: StandardSource,
                  file: Annotated[Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False,
                                                      help="A published report (GET /api/v1/reports/{id})")],
                  trust_list: Annotated[str | None, typer.Option(
                      "--trust-list", help="The zone's published trust list, file or URL (default: this "
                      "database's)")] = None,
                  db: DbOption = None) -> None:
    """Check a published report (or a restatement) offline: signed by a key of the zone's trust
    list and unchanged since. Exit 0 only when it is; its restatements, if carried, are checked too."""
    try:
        envelope = json.loads(file.read_text("utf-8"))
        zone = str(envelope.get("report", {}).get("zone", "")) if isinstance(envelope, dict) else ""
        trust = (TrustList.from_json(read_text_source(trust_list)) if trust_list
                 else keys.trust_list(open_db(db), standard(), zone))
    except (OSError, ValueError, AttributeError, DomainError) as err:
        err_console.print(f"[red]✗ 无法读取报告或信任列表 / cannot read the report or the trust list[/red]: "
                          f"{escape(str(err))}", soft_wrap=True)
        raise typer.Exit(2) from err
    failed = False
    for document in [envelope, *envelope.get("restatements", [])]:
        ok, zh, en = check_report(document, trust)
        failed = failed or not ok
        (console if ok else err_console).print(f"{'[green]✓[/green]' if ok else '[red]✗[/red]'} {escape(zh)} / "
                                               f"{escape(en)}", soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def add_commands(groups: CommandGroups) -> None:
    groups.app.command("stats")(domain_errors(given_standard(stats, groups.standard)))
    reports_app = typer.Typer(help="Published reports (signed figures) / 已发布的统计报告", no_args_is_help=True)
    groups.app.add_typer(reports_app, name="reports")
    reports_app.command("verify")(given_standard(verify_report, groups.standard))
    groups.imports.command("entities")(domain_errors(given_standard(import_entities, groups.standard)))
