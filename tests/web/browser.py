"""Playwright driving Debian's chromium (never a downloaded browser build)."""

from __future__ import annotations

from collections.abc import Iterator

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


def sign_in(page: object, server: object, username: str, password: str | None = None) -> None:
    """Sign in through the login form, as a person would."""
    from factories import PASSWORD

    page.goto(f"{server.url}/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", password or PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


BROWSER_FIXTURES = {"page", "browser"}


def unmarked_browser_test(item: pytest.Item) -> bool:
    """A test that drives chromium (through the ``page`` or ``browser`` fixture) without saying so."""
    uses = BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
    return bool(uses) and item.get_closest_marker("browser") is None
