"""Playwright driving Debian's chromium (never a downloaded browser build)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def launch() -> Iterator[object]:
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


# Every test's ``page`` is a new page (tab) of one context per worker, not a new context: a new context
# started a renderer process for its page and the browser did the same again for the next test
# (about 0.5 CPU s each, 130 a run). Pages of one context and one site share a renderer while one of
# them is open, so the context keeps a page of its own on 127.0.0.1 (answered by Playwright, no
# server behind it: ports do not make sites). Between tests everything the context remembers is
# forgotten: cookies (those of 127.0.0.1 are shared by every port), permissions, the HTTP cache and
# each origin's storage; page-level state (scripts, routes, listeners, the viewport) goes with the page.
CONTEXT_OPTIONS = {"locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}
KEEPER_URL = "http://127.0.0.1:9/keeper"  # never fetched: the keeper's route answers it


class SharedContext:
    """A browser context that gives each test a new page and forgets each test when its pages close."""

    def __init__(self, browser: object) -> None:
        self.context = browser.new_context(**CONTEXT_OPTIONS)  # type: ignore[attr-defined]
        self.keeper = self.context.new_page()
        self.keeper.route(KEEPER_URL, lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>keeper</title>"))
        self.keeper.goto(KEEPER_URL)
        self.cdp = self.context.new_cdp_session(self.keeper)
        self.origins: set[str] = set()
        self.context.on("request", self._seen)

    def _seen(self, request: object) -> None:
        from urllib.parse import urlsplit

        url = urlsplit(request.url)  # type: ignore[attr-defined]
        if url.scheme in ("http", "https"):
            self.origins.add(f"{url.scheme}://{url.netloc}")

    @contextmanager
    def fresh_page(self) -> Iterator[object]:
        """A new page; when it is done with, the context forgets it (even after a failure)."""
        page = self.context.new_page()
        page.set_default_timeout(30_000)  # servers and chromium share the CPU with other test workers
        try:
            yield page
        finally:
            self.forget()

    def forget(self) -> None:
        """Close every page but the keeper's (popups too) and forget what the test left."""
        for page in self.context.pages:
            if page is not self.keeper:
                page.close()
        self.context.clear_cookies()
        self.context.clear_permissions()
        self.cdp.send("Network.clearBrowserCache")
        for origin in sorted(self.origins - {KEEPER_URL.rsplit("/", 1)[0]}):
            self.cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
        self.origins.clear()
        assert self.context.cookies() == [], "a test's cookies outlived it"

    def close(self) -> None:
        self.context.close()


def sign_in(page: object, server: object, username: str, password: str | None = None) -> None:
    """Sign in through the login form, as a person would."""
    from factories import PASSWORD

    page.goto(f"{server.url}/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", password or PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


BROWSER_FIXTURES = {"page", "browser", "browser_context"}


def unmarked_browser_test(item: pytest.Item) -> bool:
    """A test that drives chromium (through the ``page`` or ``browser`` fixture) without saying so."""
    uses = BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
    return bool(uses) and item.get_closest_marker("browser") is None
