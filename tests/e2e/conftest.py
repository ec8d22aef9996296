"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live
server on PostgreSQL. One browser per test session (per xdist worker), a fresh context per
test; every request the page makes is recorded, and a failing test leaves a screenshot in a
temporary folder and prints its path. Tasks queued on commit stay on the broker (nothing runs
them here): what the desk's buttons do is what moves orders on, as when a task was lost."""

import os
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Headless, offline: no first-run pages, no updates, no sync, no QUIC, nothing in the background.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(tempfile.gettempdir()) / "e2e-screenshots"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does).", pytrace=False)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # between browser steps are plain synchronous ones.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Page:
    """A browser page on the live server, with the requests it made and helpers for the admin."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))

    def __getattr__(self, name):
        return getattr(self.page, name)

    def open(self, path: str):
        response = self.page.goto(self.base_url + path)
        return response

    def log_in(self, email: str, password: str):
        """Through the admin's login form, as a person would."""
        self.open("/admin/login/?next=/admin/")
        self.page.fill("#id_username", email)
        self.page.fill("#id_password", password)
        self.page.click("input[type=submit]")
        self.page.wait_for_load_state()

    def press(self, label: str):
        """Clicks an action button on an object's page and waits for the next page."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=label, exact=True).click()

    def submit_action_form(self, **fields):
        """Fills the intermediate page an action asks for input on, and applies it."""
        for name, value in fields.items():
            locator = self.page.locator(f"[name={name}]")
            if locator.evaluate("e => e.tagName") == "SELECT":
                locator.select_option(str(value))
            else:
                locator.fill(str(value))
        with self.page.expect_navigation():
            self.page.click("input[name=apply]")

    def messages(self) -> str:
        return self.page.locator("ul.messagelist").inner_text() if self.page.locator("ul.messagelist").count() else ""


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    wrapped = Page(context.new_page(), live_server.url)
    yield wrapped
    if getattr(request.node, "e2e_failed", False):
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}.png"
        wrapped.page.screenshot(path=str(path))
        print(f"\nScreenshot of the failing page: {path}")
    context.close()


@pytest.fixture
def network(transactional_db):
    """The demo distribution network with its rates (committed: the live server reads it)."""
    from collections import Counter

    from logistics.demo import LogisticsDemo

    return LogisticsDemo(Counter()).load_network()
