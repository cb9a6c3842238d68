"""Browser harness: Playwright (sync API) driving Debian's headless Chromium
against pytest-django's live server on Postgres.

- ``browser`` is shared by the session; every test gets a fresh context/page
  whose base URL is the live server, so ``page.goto("/o/acme/")`` works.
- ``new_page()`` opens another isolated context (a second person at once).
- ``signed_in_page(membership)`` signs them in through the real allauth form.
- A failing test leaves a screenshot, the HTML and the console errors of every
  page it opened under ``test-output/browser/<test name>[-N].{png,html,log}``.

Playwright's sync API keeps an asyncio loop running in the main thread, so
Django's async-safety check would refuse the ORM calls of factories and
fixtures; tests/conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE for that reason
(there is no real concurrency here: the live server has its own thread).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.helpers import login
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGES = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser, live_server, request):
    """``new_page()`` -> a page in a fresh browser context (own cookies)."""
    contexts = []
    request.node.stash[PAGES] = pages = []

    def make():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                      locale="en-GB")
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(f"uncaught: {exc}"))
        pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def signed_in_page(page, new_page):
    """``signed_in_page(membership)`` -> a page signed in as them; the first call
    uses ``page``, later calls open separate contexts."""
    used = []

    def sign_in(membership, password: str = PASSWORD):
        target = page if not used else new_page()
        used.append(target)
        login(target, membership.user.email, password)
        assert "/accounts/login/" not in target.url, f"sign-in as {membership.user.email} failed; still on {target.url}"
        return target

    return sign_in


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        saved = _save_artifacts(item)
        if saved:
            report.sections.append(("browser artifacts", "\n".join(saved)))


def _save_artifacts(item) -> list[str]:
    pages = item.stash.get(PAGES, [])
    out_dir = Path(item.config.rootpath) / "test-output" / "browser"
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", item.name).strip("_")
    saved = []
    for number, page in enumerate(pages, start=1):
        base = out_dir / (stem if number == 1 else f"{stem}-{number}")
        try:  # artifacts must never hide the real failure
            if page.is_closed():
                continue
            page.screenshot(path=str(base.with_suffix(".png")), full_page=True)
            base.with_suffix(".html").write_text(f"<!-- {page.url} -->\n" + page.content())
            base.with_suffix(".log").write_text("\n".join([page.url, *page.console_errors]) + "\n")
            saved.append(f"{base}.png ({page.url})")
        except Exception as exc:  # noqa: BLE001
            saved.append(f"{base}: could not save ({exc})")
    return saved
