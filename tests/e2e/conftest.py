"""Browser fixtures: Debian's chromium driven by Playwright against the real local stack.

Every page a test opens records console errors, uncaught page errors and every request
that leaves 127.0.0.1; the page fixture fails the test if any appeared. Screenshots go to
docs/screenshots/ (committed, small) and to the git-ignored test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from wandr.resources import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
DOCS_SHOTS = REPO_ROOT / "docs" / "screenshots"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def dashboard_built() -> Path:
    index = REPO_ROOT / "frontend" / "dist" / "index.html"
    if not index.is_file():
        pytest.fail("frontend/dist is not built: run `npm run build --prefix frontend`")
    return index


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page and what it logged: console errors, page errors, requests off this machine."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url.rstrip("/") + path)

    def problems(self) -> list[str]:
        return [f"console: {e}" for e in self.errors] + [f"external: {u}" for u in self.external]


def watch(page: Page, base_url: str) -> Watched:
    watched = Watched(page, base_url)

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            watched.errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def on_request(request: Any) -> None:
        watched.requests.append(request.url)
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
            watched.external.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: watched.errors.append(f"pageerror: {exc}"))
    page.on("request", on_request)
    return watched


@pytest.fixture
def web(stack: Any, browser: Browser, dashboard_built: Path) -> Iterator[Watched]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(20_000)
    # assertions wait as long as actions: CI shares two cores with the whole local stack
    expect.set_options(timeout=20_000)
    page = context.new_page()
    watched = watch(page, stack.dashboard_url)
    yield watched
    context.close()
    assert not watched.problems(), "the dashboard logged errors or left 127.0.0.1:\n" + "\n".join(
        watched.problems()
    )


def login(web: Watched, user: dict[str, Any], path: str = "/") -> None:
    """Sign in through the form and land on `path`."""
    web.goto(f"/login?next={path}")
    page = web.page
    page.get_by_label("Username").fill(user["username"])
    page.get_by_label("Password", exact=True).fill(user["password"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("tenant").wait_for()


@pytest.fixture
def shoot(web: Watched) -> Callable[[str], None]:
    """Save the current page at desktop and phone width (viewport only, to stay small).

    Every run writes test-artifacts/screenshots/ (git-ignored); the committed copies in
    docs/screenshots/ are refreshed only with WANDR_UPDATE_SCREENSHOTS=1, so a test run never
    modifies tracked files.
    """
    update_docs = os.environ.get("WANDR_UPDATE_SCREENSHOTS") == "1"

    def save(name: str, settle: Callable[[], None] | None = None) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page = web.page
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.wait_for_function(
                "([w]) => window.innerWidth === w", arg=[size["width"]], timeout=5_000
            )
            if settle:
                settle()
            page.wait_for_load_state("networkidle")
            out = ARTIFACTS / f"{name}-{label}.png"
            page.screenshot(path=str(out), animations="disabled", caret="hide")
            if update_docs:
                DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(out, DOCS_SHOTS / f"{name}-{label}.png")
        page.set_viewport_size(DESKTOP)

    return save
