"""Pages everyone can use (issue 24; GB/T 37668-2019, WCAG 2.1 AA), in Debian's chromium.

A rejected form moves the focus to its error summary, whose items link to their fields; each field
names its own messages (aria-describedby); the title says there is an error; rule ids are small print a
screen reader reads out only to staff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from factories import person
from security.fixtures import world_fixture  # noqa: F401  (the ``world`` fixture)
from web.browser import sign_in
from web.test_registration_pages import fill_application

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]


def _focused_id(page) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


def test_a_rejected_application_moves_the_focus_to_a_summary_that_links_to_the_fields(server, page):
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply")
    title = page.title()
    rep = person()
    fill_application(page, "重庆云帆科技有限公司", {**rep, "id_number": rep["id_number"][:-1] + "0"})
    page.click("#submit")
    page.wait_for_selector("#errors")
    assert page.title() == "错误：" + title
    assert _focused_id(page) == "errors"
    summary = page.locator("#errors")
    assert summary.get_attribute("role") is None  # read because it has the focus, not as an alert at load
    assert summary.get_attribute("tabindex") == "-1"
    assert page.locator("[role=alert]").count() == 0
    assert "校验码" in summary.text_content()
    # the applicant hears words; the rule id is small print a screen reader does not read out
    assert page.locator("#errors .rule").first.get_attribute("aria-hidden") == "true"
    assert page.locator("#errors li[data-rule]").count() >= 1
    # the field names its message
    described = page.get_attribute("#lr_id_number", "aria-describedby")
    assert described and page.get_attribute("#lr_id_number", "aria-invalid") == "true"
    assert "校验码" in page.text_content(f"#{described.split()[0]}")
    # the summary's link goes to the field, with the keyboard
    link = page.locator("#errors a[href='#lr_id_number']")
    assert link.count() == 1
    link.focus()
    page.keyboard.press("Enter")
    assert _focused_id(page) == "lr_id_number"


def test_the_error_title_and_summary_are_in_english_too(server, page):
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply?lang=en")
    rep = person()
    fill_application(page, "重庆云帆科技有限公司", {**rep, "id_number": rep["id_number"][:-1] + "0"})
    page.click("#submit")
    page.wait_for_selector("#errors")
    assert page.title().startswith("Error: ")
    assert _focused_id(page) == "errors"
    assert "check" in page.text_content("#errors").lower()


def test_a_failed_sign_in_is_announced_the_same_way(server, page):
    page.goto(f"{server.url}/login")
    page.fill("#username", "alice")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    page.wait_for_selector("#errors")
    assert page.title().startswith("错误：")
    assert _focused_id(page) == "errors"
    page.click("#errors a")
    assert _focused_id(page) == "username"


def _summary(role: str | None) -> str:
    from types import SimpleNamespace

    from yima.web.i18n import translations
    from yima.web.templating import environment

    env = environment([])
    macro = env.get_template("_forms.html").make_module(
        {"_": translations("zh").gettext, "actor": SimpleNamespace(role=role) if role else None}).error_summary
    return str(macro([{"rule": "schema.string_too_short", "text": "名称过短", "anchor": "name"},
                      {"rule": "uscc.check_digit", "text": "校验码不符"}]))


def test_the_rule_id_is_small_print_read_out_only_to_staff():
    officer, applicant = _summary("officer"), _summary("applicant")
    assert '<small class="rule" lang="en" translate="no">schema.string_too_short</small>' in officer
    hidden = '<small class="rule" lang="en" translate="no" aria-hidden="true">schema.string_too_short</small>'
    assert hidden in applicant
    assert 'data-rule="schema.string_too_short"' in applicant
    assert '<a href="#name">名称过短</a>' in applicant
    assert "<li data-rule=\"uscc.check_digit\">校验码不符 <small" in applicant  # no field to link to: no link
    assert 'tabindex="-1"' in applicant and "role=" not in applicant


# axe-core (vendored from the npm package, tests/web/axe/) on every page of the route matrix
# (tests/security/route_matrix.py), each as a role allowed to see it, in one browser: Chinese on a
# desktop and English on a 320 px phone (the narrowest WCAG 1.4.10 reflow width: no page scrolls
# sideways). Serious and critical WCAG 2.1 A/AA violations fail.
AXE = Path(__file__).with_name("axe") / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 320, "height": 720}}
NOT_PAGES = ("/api/", "/.well-known/", "/pki/", "/static", "/docs", "/openapi.json", "/healthz", "/readyz")
DOWNLOADS = (".pdf", ".xlsx", ".ofd", ".csv", ".der", ".crt", ".crl", ".json", ".png", ".svg", ".zip",
             "/documents/{sha256}")  # files, not pages


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page. axe is in every page of the context
    already (``with_axe``). Only the violations' nodes are gathered (``resultTypes``): the other
    results keep one node each, which is all that is asked of them (how many rules passed)."""
    found = page.evaluate("""async () => {
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return {passes: r.passes.length, violations: r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))};
    }""")
    assert found["passes"] > 5  # axe ran its rules on the page
    return [str(v) for v in found["violations"]]


def with_axe(context) -> None:
    """axe-core in every page the context opens, before the page's own scripts: the script is sent
    to the browser once per context, not once per page view (650 kB each time)."""
    context.add_init_script(path=str(AXE))


def matrix_pages() -> dict[str, list[object]]:
    """The route matrix's HTML pages, grouped by the first role (in ``ROLES`` order) allowed to see each."""
    from security.route_matrix import ROLES, ROUTES

    by_role: dict[str, list[object]] = {}
    for route in ROUTES:
        if route.method != "GET" or route.path.startswith(NOT_PAGES) or route.path.endswith(DOWNLOADS):
            continue
        role = next(r for r in ROLES if r in route.allowed)
        by_role.setdefault(role, []).append(route)
    return by_role


def test_axe_finds_no_serious_violation_on_any_page_of_the_route_matrix(db, browser, request):
    """One browser, one context for every role and viewport (~70 page views, about a minute): run once, on
    SQLite. The markup does not depend on the database; the route matrix itself runs on both."""
    from security.world import USERS

    if not db.is_sqlite:
        pytest.skip("the pages' markup is the same on PostgreSQL; checked once, on SQLite")
    world = request.getfixturevalue("world")

    pages = matrix_pages()
    assert sum(len(routes) for routes in pages.values()) >= 30
    problems: list[str] = []
    checked = 0
    # one context and one page for every role (a new context and page per role started a renderer
    # each time), its cookies cleared before each role signs in; the phone's pass resizes the page
    # before it loads the role's pages again
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["desktop"], bypass_csp=True)
    with_axe(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    for role, routes in pages.items():
        context.clear_cookies()
        assert context.cookies() == []
        username = USERS[role]
        if username:
            sign_in(page, world, username)
        for view, size, lang in (("desktop", VIEWPORTS["desktop"], "zh"), ("phone", VIEWPORTS["phone"], "en")):
            page.set_viewport_size(size)
            for route in routes:
                call = route.example(world)  # type: ignore[attr-defined]
                query = "&".join(f"{k}={v}" for k, v in {**(call.params or {}), "lang": lang}.items())
                answer = page.goto(f"{world.url}{call.url}?{query}")
                assert answer is not None and answer.ok, f"{call.url} as {role}: {answer and answer.status}"
                assert "text/html" in (answer.headers.get("content-type") or ""), call.url
                page.wait_for_load_state("load")
                # the figures tables too
                page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
                problems += [f"{call.url} as {role}, {lang} {view}: {v}" for v in axe_violations(page)]
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > size["width"]:
                    problems.append(f"{call.url} as {role}, {lang} {view}: {width} px wide, scrolls sideways")
                checked += 1
    context.close()
    assert problems == [], "\n".join(problems)
    print(f"axe: {checked} page views without a serious or critical violation")


def test_applying_with_the_keyboard_only(server, page):
    """Tab and Enter (and typing) reach every control of a minimal application and send it."""
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply")
    # an example is a hint the field names, never a placeholder that looks like entered text
    assert page.get_attribute("#name", "placeholder") is None
    assert "有限公司" in page.text_content(f"#{page.get_attribute('#name', 'aria-describedby')}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert _focused_id(page) == "main"
    rep = person()

    def tab_to(selector: str, limit: int = 400) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def type_into(selector: str, value: str) -> None:
        tab_to(selector)
        page.keyboard.type(value)

    tab_to("#zone")
    for _ in range(10):  # the zone list: arrow keys choose the zone
        if page.input_value("#zone") == "cq-gxq":
            break
        page.keyboard.press("ArrowDown")
    assert page.input_value("#zone") == "cq-gxq"
    type_into("#name", "重庆云帆科技有限公司")
    type_into("#registered_capital", "1000000.00")
    tab_to("input[name=scope][value=software_development]")
    page.keyboard.press("Space")
    type_into("#domicile_text", "重庆市九龙坡区科城路60号")
    type_into("#lr_name", rep["name"])
    type_into("#lr_id_number", rep["id_number"])
    type_into("#lr_phone", rep["phone"])
    tab_to("#same-as-lr")
    page.keyboard.press("Enter")
    for material in ("application_form", "articles_of_association"):
        tab_to(f"input[name=materials][value={material}]")
        page.keyboard.press("Space")
    tab_to("#submit")
    page.keyboard.press("Enter")
    page.wait_for_url("**/applications/*")
    assert "已核准" in page.text_content("#status")


def test_the_large_text_mode_is_kept_and_raises_text_and_controls(server, page, tmp_path):
    sign_in(page, server, "alice")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{server.url}/apply")
    normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('p.hint')).fontSize)")
    page.click("#size-toggle")
    page.wait_for_load_state()
    page.goto(f"{server.url}/apply")  # kept by a cookie, like the language
    assert page.get_attribute("html", "class") == "large-text"
    hint = page.evaluate("parseFloat(getComputedStyle(document.querySelector('p.hint')).fontSize)")
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert normal < 14 and 19 <= hint <= 21 and 19 <= body <= 21
    box = page.locator("input[name=scope]").first.bounding_box()
    assert box and box["height"] >= 28
    assert page.locator("#submit").bounding_box()["height"] >= 44
    assert page.text_content("#size-toggle").strip() == "标准版"
    shots = Path(os.environ.get("YIMA_SCREENSHOTS", str(tmp_path)))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "elder-mode-apply-phone.png"), full_page=False)
    page.click("#size-toggle")
    page.wait_for_load_state()
    assert page.get_attribute("html", "class") is None


def test_each_dashboard_chart_has_a_name_and_echarts_describes_it(server, page):
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/dashboard")
    page.wait_for_selector("#chart-trend canvas")
    charts = page.locator(".chart")
    assert charts.count() == 8  # five of the zone's figures, three of its projects
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        title = chart.get_attribute("aria-labelledby")
        assert title and page.text_content(f"#{title}").strip()
        assert chart.get_attribute("aria-label")  # ECharts' aria option wrote its description
        # and its figures are on the page as a table, collapsed under it (server-rendered)
        chart_id = chart.get_attribute("id")
        table = page.locator(f"#{chart_id}-data table")
        assert table.count() == 1, chart_id
        assert page.locator(f"#{chart_id}-data summary").text_content().startswith("以表格查看数据")
        assert table.locator("thead th").count() >= 2
    months = page.evaluate("JSON.parse(document.getElementById('stats-data').textContent).charts.months")
    assert page.locator("#chart-trend-data tbody tr").count() == len(months) > 0
    assert page.locator("#chart-trend-data tbody th").first.text_content() == months[0]
    page.click("#chart-trend-data summary")
    assert page.locator("#chart-trend-data table").is_visible()


def test_each_chart_table_holds_the_figures_the_chart_draws():
    from yima.stats.pages import chart_tables

    labels = {key: key for key in ("month", "this_period", "year_earlier", "capital_axis", "matter", "median_pct",
                                   "mean_pct", "median_hours", "mean_hours", "limit_days", "approved", "sector",
                                   "section", "channel_column", "enterprises_column", "matters_column")}
    charts = {"labels": labels, "months": ["2026-01", "2026-02"], "new_domestic": [3, 5],
              "new_domestic_year_earlier": [2, 0], "capital_100m": [0.12, 1.5],
              "sectors": [{"name": "第三产业", "value": 7}], "sections": [{"name": "I 信息", "value": 4}],
              "channel": [{"name": "网办", "value": 9}, {"name": "窗口", "value": 1}],
              "approval": [{"matter": "设立登记", "median_pct": 12.345, "mean_pct": None, "median_hours": 2.0,
                            "mean_hours": None, "limit_days": 3, "approved": 8}]}
    tables = chart_tables(charts)
    assert tables["trend"] == {"headers": ["month", "this_period", "year_earlier", "capital_axis"],
                               "rows": [["2026-01", 3, 2, 0.12], ["2026-02", 5, 0, 1.5]]}
    assert tables["approval"]["rows"] == [["设立登记", "12.3", None, "2.0", None, 3, 8]]
    assert tables["channel"] == {"headers": ["channel_column", "matters_column"], "rows": [["网办", 9], ["窗口", 1]]}
    assert tables["sections"]["rows"] == [["I 信息", 4]] and tables["sectors"]["headers"][0] == "sector"


def test_no_page_uses_a_placeholder_for_an_example():
    """Examples are hints the field names (aria-describedby), never placeholders that look like entered text."""
    root = Path(__file__).resolve().parents[2] / "src" / "yima"
    found = [str(t.relative_to(root)) for t in root.rglob("*.html") if "placeholder=" in t.read_text("utf-8")]
    assert found == []


def test_the_application_fits_a_320_px_phone_and_its_tables_stack(server, page, tmp_path):
    sign_in(page, server, "alice")
    shots = Path(os.environ.get("YIMA_SCREENSHOTS", str(tmp_path)))
    shots.mkdir(parents=True, exist_ok=True)
    for large in (False, True):
        page.set_viewport_size({"width": 320, "height": 720})
        page.goto(f"{server.url}/apply?size={'large' if large else 'normal'}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no horizontal scroll
        assert page.locator("#shareholders thead").is_hidden()  # each row is a card of labelled fields
        cell = page.locator("#shareholders tbody td").nth(2)
        assert cell.get_attribute("data-label") == "身份证号码"
        page.fill("#sh_id_0", "110101199003070012")
        digits = page.evaluate("""() => { const i = document.getElementById('sh_id_0');
            return i.scrollWidth <= i.clientWidth; }""")
        assert digits  # all 18 characters of the ID number show
        page.locator("#shareholders").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"apply-320{'-large' if large else ''}.png"))
