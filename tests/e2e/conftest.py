"""Headless Chromium for the browser tests, driven by Selenium against ``live_server``.

Debian's packages provide the browser and its matching driver (``apt-get install chromium
chromium-driver``); CI installs them. Without them every browser test is skipped, saying why.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM_BINARY = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER_BINARY = os.environ.get("CHROMEDRIVER_BINARY", "/usr/bin/chromedriver")
DESKTOP = (1280, 900)
MOBILE = (375, 812)
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# axe-core, vendored with its licence and version (tests/e2e/vendor/axe-core/README.md).
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# What a page may not have: the impacts axe ranks "serious" and "critical".
AXE_BLOCKING = ("serious", "critical")

CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--lang=fr-FR",
    "--hide-scrollbars",
)


def _missing_binaries() -> list[str]:
    return [
        path
        for path in (CHROMIUM_BINARY, CHROMEDRIVER_BINARY)
        if not (os.path.isfile(path) and os.access(path, os.X_OK))
    ]


@pytest.fixture(scope="session")
def _chromium(live_server):
    # Depending on live_server makes the browser quit before the server stops: a
    # keep-alive connection closed after that would trip over the shared test database.
    missing = _missing_binaries()
    if missing:
        pytest.skip(
            "chromium not installed: missing "
            + ", ".join(missing)
            + " (apt-get install -y chromium chromium-driver)"
        )
    # Imported here so that collecting the suite never needs Selenium.
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # Selenium Manager must not try to download a browser or a driver: we name both.
    os.environ.setdefault("SE_OFFLINE", "true")
    profile = tempfile.mkdtemp(prefix="eldo-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM_BINARY
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER_BINARY))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Browser:
    """A thin helper over the WebDriver: absolute URLs, viewport sizes, screenshots."""

    def __init__(self, driver, base_url: str):
        self.driver = driver
        self.base_url = base_url.rstrip("/")

    def get(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def mark_page(self) -> None:
        """Tag the current document, so that :meth:`wait_for_new_page` knows when it is gone."""
        self.js("window.__eldoOldPage = true")

    def wait_for_new_page(self, timeout: float = 10) -> None:
        """Wait until the marked document has been replaced and the new one has loaded.

        A JavaScript marker rather than ``staleness_of(<html>)``: Chromium sometimes answers
        the staleness probe of a detached node with "Node with given id does not belong to
        the document", an error Selenium does not map to StaleElementReferenceException.
        """
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, timeout, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script(
                "return window.__eldoOldPage === undefined && document.readyState === 'complete'"
            )
        )

    def click_and_wait(self, element, *, scroll: bool = False) -> None:
        """Click a link or submit button and wait for the page it leads to."""
        self.mark_page()
        if scroll:
            self.js("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        self.wait_for_new_page()

    def axe(self, *, exclude: tuple[str, ...] = ()) -> list[str]:
        """Run axe-core (WCAG 2.x A and AA rules) on the current page; one line per
        serious or critical violation, naming the rule and the first offending nodes."""
        if not self.js("return typeof window.axe === 'object' && !!window.axe.run"):
            # Run as a function body by WebDriver: hand the engine over to the page.
            self.js(_axe_source() + "\n;window.axe = axe;")
        self.driver.set_script_timeout(60)
        result = self.driver.execute_async_script(
            """
            const [exclude, done] = arguments;
            if (typeof window.axe !== 'object') {
              done([{id: 'axe-missing', impact: 'critical', count: 1,
                     nodes: [`axe not loaded on ${location.href}`]}]);
              return;
            }
            const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
            window.axe.run(context, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                               'wcag22aa', 'best-practice']},
              resultTypes: ['violations'],
            }).then((r) => done(r.violations.map((v) => ({
              id: v.id, impact: v.impact,
              nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
              count: v.nodes.length,
            }))), (e) => done([{id: 'axe-error', impact: 'critical', nodes: [String(e)],
                                count: 1}]));
            """,
            list(exclude),
        )
        return [
            f"{v['id']} ({v['impact']}, {v['count']}×): {', '.join(v['nodes'])}"
            for v in result
            if v["impact"] in AXE_BLOCKING
        ]

    def set_viewport(self, width: int, height: int) -> None:
        # Device metrics give an exact CSS viewport, unlike the window size, which
        # includes whatever browser chrome the platform draws.
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 768},
        )

    def reset_viewport(self) -> None:
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """Save a PNG under var/screenshots/, of the whole page by default."""
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOT_DIR / name
        width = self.js("return window.innerWidth")
        if full_page:
            height = self.js("return document.documentElement.scrollHeight")
            self.set_viewport(width, height)
        try:
            self.driver.save_screenshot(str(target))
        finally:
            if full_page:
                self.set_viewport(width, self._viewport_height)
        return target

    @property
    def _viewport_height(self) -> int:
        return MOBILE[1] if self.js("return window.innerWidth") < 768 else DESKTOP[1]


@functools.cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def browser(_chromium, live_server):
    """A fresh browsing state on the live server, at a desktop viewport."""
    driver = _chromium
    driver.delete_all_cookies()
    # One Chromium serves the whole session: a page another test cached (the public widget,
    # profiles: Cache-Control max-age) must not be shown instead of this test's data.
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    helper = Browser(driver, live_server.url)
    helper.set_viewport(*DESKTOP)
    yield helper
    driver.delete_all_cookies()
    helper.reset_viewport()


@pytest.fixture
def directory_live_data(transactional_db):
    """Haute-Garonne and Gironde plus the trades, loaded for one live-server test.

    ``live_server`` tests run without a wrapping transaction and the database is flushed
    after each one, so the module-scoped ``directory_data`` of the directory app cannot be
    used here: the data is loaded again, inside the test, for every test that asks for it.
    """
    from io import StringIO

    from django.core.management import call_command

    from apps.directory.services import categories_sync

    call_command("load_geography", departments="31,33", stdout=StringIO())
    categories_sync()


@pytest.fixture(autouse=True)
def _staff_two_factor_typed_only_where_tested(request, settings):
    """Browser tests sign staff in through /connexion/; typing a TOTP code belongs to the
    tests of two-factor authentication (marked ``browser_otp``), the others skip it."""
    settings.ELDO_STAFF_2FA = "browser_otp" in request.keywords
