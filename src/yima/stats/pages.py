"""The zone leadership's dashboard (``/dashboard``) and its printable report and spreadsheet.

The page carries the figures as JSON and draws its charts with ECharts, served from
``/static/vendor/echarts.min.js`` (Apache ECharts 5, vendored: no CDN). Its labels are msgids of
the translation catalogue (``LABELS``); the briefing's sentences carry figures and come in
pairs (Chinese, English) from ``briefing``, like the domain messages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from yima.actors import Actor
from yima.clock import local_date, utcnow
from yima.errors import DomainError
from yima.stats.briefing import briefing_en, briefing_zh, figure_rows, section_names
from yima.stats.report import figures_report_pdf
from yima.stats.rules import CATEGORY_NAMES, SECTOR_NAMES, SectionFigures, ZoneFigures
from yima.stats.sections import sections
from yima.stats.service import zone_figures, zones_for
from yima.stats.spreadsheet import figures_workbook
from yima.web.deps import DB, AppSettings, OptionalActor, Standard
from yima.web.i18n import N_, translations
from yima.web.templating import language, login_redirect, render, text
from yima.zones.service import list_zones

router = APIRouter(include_in_schema=False)


def _as_json(figures: SectionFigures | None) -> Mapping[str, Any]:
    """A section's numbers as its dashboard partial reads them: as the report carries them."""
    return figures.as_json() if figures is not None else {}

LABELS: dict[str, str] = {
    "title": N_("Dashboard"),
    "zone": N_("Zone"),
    "from": N_("From"),
    "to": N_("To"),
    "show": N_("Show"),
    "pdf": N_("Printable report (PDF)"),
    "xlsx": N_("Spreadsheet (Excel)"),
    "period": N_("Period"),
    "year_earlier": N_("A year earlier"),
    "yoy": N_("year on year"),
    "new_domestic": N_("New domestic enterprises"),
    "capital": N_("Their registered capital"),
    "market_entities": N_("Market entities"),
    "per_10k": N_("Per 10,000 residents"),
    "domestic": N_("Domestic enterprises"),
    "tertiary_share": N_("tertiary share"),
    "matters": N_("Matters processed"),
    "online_share": N_("without a visit"),
    "commitments": N_("Address commitments"),
    "one_code": N_("One-code licences"),
    "cross_region": N_("Cross-region licences"),
    "seals": N_("Free e-seal sets"),
    "saved": N_("saved"),
    "trend": N_("New domestic enterprises by month"),
    "this_period": N_("This period"),
    "capital_axis": N_("Capital (100m yuan)"),
    "structure": N_("Industry structure of domestic enterprises"),
    "sections": N_("By GB/T 4754 section"),
    "approval": N_("Approval time (% of the statutory limit)"),
    "median": N_("Median"),
    "mean": N_("Mean"),
    "channel": N_("Channel of matters"),
    "online": N_("Online (no visit)"),
    "counter": N_("Counter"),
    "briefing": N_("Briefing"),
    "residents": N_("Residents"),
    "unit_100m": N_("100m yuan"),
    "no_base": N_("no base"),
    "categories": N_("Market entities by category"),
    "month": N_("Month"),
    "sector": N_("Sector of the economy"),
    "section": N_("Section"),
    "matter": N_("Matter"),
    "median_pct": N_("Median (% of the limit)"),
    "mean_pct": N_("Mean (% of the limit)"),
    "median_hours": N_("Median (hours)"),
    "mean_hours": N_("Mean (hours)"),
    "limit_days": N_("Statutory limit (days)"),
    "approved": N_("Approved"),
    "channel_column": N_("Channel"),
    "matters_column": N_("Matters"),
    "enterprises_column": N_("Enterprises"),
}
# Chinese counts take a measure word (量词) after the number; English shows the number alone.
MEASURE_WORDS: dict[str, str] = {
    "unit_households": N_("measure word for enterprises"),
    "unit_items": N_("measure word for matters"),
    "unit_copies": N_("measure word for licences"),
    "unit_sets": N_("measure word for seal sets"),
    "unit_people": N_("measure word for residents"),
}


def _labels(lang: str) -> dict[str, str]:
    gettext = translations(lang).gettext
    labels = {key: gettext(msgid) for key, msgid in LABELS.items()}
    labels.update({key: gettext(msgid) if lang == "zh" else "" for key, msgid in MEASURE_WORDS.items()})
    labels["unit_100m_tight"] = labels["unit_100m"] if lang == "zh" else " " + labels["unit_100m"]
    return labels


def _messages(request: Request, err: DomainError) -> list[dict[str, str]]:
    return [{"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en)} for f in err.findings]


def _defaults(actor: Actor, db: DB, zone: str | None, start: str | None, end: str | None) -> tuple[str, str, str]:
    today = local_date(utcnow())
    if not zone:
        zone = actor.zone_id or next((z.id for z in list_zones(db)), "")
    return zone, start or date(today.year, 1, 1).isoformat(), end or today.isoformat()


def _figures(request: Request, db: DB, standard: Standard, settings: AppSettings, actor: Actor | None,
             zone: str | None, start: str | None, end: str | None) -> tuple[ZoneFigures, dict[str, str]] | Response:
    """The figures asked for, or the page to answer instead (sign in first, or what was wrong)."""
    if actor is None:
        return login_redirect(request)
    zone, start, end = _defaults(actor, db, zone, start, end)
    try:
        figures = zone_figures(db, standard, actor, zone, start, end,
                               seal_set_price_yuan=settings.seal_set_price_yuan)
    except DomainError as err:
        return render(request, "error.html", {"errors": _messages(request, err)}, status=err.status)
    return figures, {"zone": zone, "from": start, "to": end}


def chart_data(f: ZoneFigures, lang: str) -> dict[str, Any]:
    """What the page's charts draw, with their labels in the page's language."""
    en = lang == "en"
    names = section_names()
    return {
        "labels": _labels(lang),
        "months": [m.month for m in f.monthly],
        "new_domestic": [m.new_domestic for m in f.monthly],
        "new_domestic_year_earlier": [m.new_domestic_year_earlier for m in f.monthly],
        "capital_100m": [round(float(m.new_domestic_capital) / 1e8, 2) for m in f.monthly],
        "sectors": [{"name": SECTOR_NAMES[s][1 if en else 0], "value": f.domestic_by_sector.count(s)}
                    for s in (3, 2, 1)],
        "sections": [{"name": f"{k} {'' if en else names.get(k, '')}".strip(), "value": v}
                     for k, v in f.domestic_by_section.items()],
        "categories": [{"name": CATEGORY_NAMES[k][1 if en else 0], "value": v}
                       for k, v in f.market_entities_by_category.items()],
        "approval": [{"matter": t.name_en if en else t.name_zh, "median_pct": _r(t.median_vs_limit_pct),
                      "mean_pct": _r(None if t.mean_hours is None else t.mean_hours / (t.statutory_days * 24) * 100),
                      "median_hours": _r(t.median_hours), "mean_hours": _r(t.mean_hours),
                      "limit_days": t.statutory_days, "approved": t.approved} for t in f.approval_times],
        "channel": [{"name": _labels(lang)["online"], "value": f.matters.online},
                    {"name": _labels(lang)["counter"], "value": f.matters.processed - f.matters.online}],
    }


def chart_tables(charts: dict[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """Each chart's figures as a table (headers, rows whose first cell names the row): the page
    shows them beside the charts for screen readers and for people who would rather read."""
    L = charts["labels"]  # noqa: N806 - the labels, as the page's script calls them
    pairs = {name: {"headers": [L[head], L["enterprises_column"] if name != "channel" else L["matters_column"]],
                    "rows": [[item["name"], item["value"]] for item in charts[name]]}
             for name, head in (("sectors", "sector"), ("sections", "section"), ("channel", "channel_column"))}
    return {
        "trend": {"headers": [L["month"], L["this_period"], L["year_earlier"], L["capital_axis"]],
                  "rows": [list(row) for row in zip(charts["months"], charts["new_domestic"],
                                                    charts["new_domestic_year_earlier"], charts["capital_100m"],
                                                    strict=True)]},
        "approval": {"headers": [L[k] for k in ("matter", "median_pct", "mean_pct", "median_hours", "mean_hours",
                                                "limit_days", "approved")],
                     "rows": [[a["matter"], _pct(a["median_pct"]), _pct(a["mean_pct"]), _pct(a["median_hours"]),
                               _pct(a["mean_hours"]), a["limit_days"], a["approved"]] for a in charts["approval"]]},
        **pairs,
    }


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f}"


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


@router.get("/dashboard")
def dashboard(request: Request, db: DB, standard: Standard, settings: AppSettings, actor: OptionalActor,
              zone: str | None = None, start: Annotated[str | None, Query(alias="from")] = None,
              end: Annotated[str | None, Query(alias="to")] = None) -> Response:
    """The zone's figures: every feature's reads in one read transaction (``Database.one_read``)."""
    with db.one_read(serial=True):  # many small aggregates: no parallel workers (PostgreSQL)
        return _dashboard(request, db, standard, settings, actor, zone, start, end)


def _dashboard(request: Request, db: DB, standard: Standard, settings: AppSettings, actor: Actor | None,
               zone: str | None, start: str | None, end: str | None) -> Response:
    loaded = _figures(request, db, standard, settings, actor, zone, start, end)
    if isinstance(loaded, Response):
        return loaded
    figures, params = loaded
    lang = language(request)
    charts = chart_data(figures, lang)
    zones = zones_for(db, actor)
    return render(request, "stats/dashboard.html", {
        "t": _labels(lang), "f": figures, "params": params, "query": urlencode(params), "zones": zones,
        "rows": {row.key: row for row in figure_rows(figures)},
        "briefing": briefing_en(figures) if lang == "en" else briefing_zh(figures),
        "extra_sections": [{"name": s.name, "title": s.title_en if lang == "en" else s.title_zh,
                            "template": s.template, "section": _as_json(figures.sections.get(s.name))}
                           for s in sections() if s.template],
        "data_json": _script_json({"figures": figures.as_json(), "charts": charts}),
        "tables": chart_tables(charts),
    })


@router.get("/dashboard/report.pdf")
def report_pdf(request: Request, db: DB, standard: Standard, settings: AppSettings, actor: OptionalActor,
               zone: str | None = None, start: Annotated[str | None, Query(alias="from")] = None,
               end: Annotated[str | None, Query(alias="to")] = None) -> Response:
    loaded = _figures(request, db, standard, settings, actor, zone, start, end)
    if isinstance(loaded, Response):
        return loaded
    figures, params = loaded
    name = f"yima-report-{params['zone']}-{params['from']}-{params['to']}.pdf"
    return Response(figures_report_pdf(figures, utcnow()), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/dashboard/export.xlsx")
def export_xlsx(request: Request, db: DB, standard: Standard, settings: AppSettings, actor: OptionalActor,
                zone: str | None = None, start: Annotated[str | None, Query(alias="from")] = None,
                end: Annotated[str | None, Query(alias="to")] = None) -> Response:
    loaded = _figures(request, db, standard, settings, actor, zone, start, end)
    if isinstance(loaded, Response):
        return loaded
    figures, params = loaded
    name = f"yima-figures-{params['zone']}-{params['from']}-{params['to']}.xlsx"
    return Response(figures_workbook(figures),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
