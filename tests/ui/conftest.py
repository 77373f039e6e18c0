"""A real headless Chromium (the Debian ``chromium`` package, driven by Playwright) against a
real ``modelyard serve``. Chromium missing is a failure that says how to install it (``make
test`` does, through ``make chromium``), never a skip."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.databases import BACKENDS, Templates
from tests.support.server import RunningServer, served

CHROMIUM = os.environ.get("MODELYARD_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def chromium_path() -> str:
    found = shutil.which(CHROMIUM)
    if found is None:
        pytest.fail(
            f"the dashboard's browser tests need Chromium at {CHROMIUM}: run `make chromium` "
            "(apt-get install chromium) or set MODELYARD_TEST_CHROMIUM",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture(params=BACKENDS)
def server(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path
) -> Iterator[RunningServer]:
    with served(templates, request.param, tmp_path) as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def shoot(page: Page, server: RunningServer, name: str) -> None:
    """A screenshot for the README, taken on the SQLite run (the pages look alike on both)."""
    if server.database_url.startswith("sqlite"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
