"""Browser tests: sync playwright driving Debian's Chromium against Django's live server.

Every page visit can be checked with axe-core (WCAG 2.0/2.1/2.2 A and AA) and saved as a screenshot
in test-artifacts/screenshots/. Content-Security-Policy violations reported by the browser fail the test.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from indsats.accounts.demo import DEMO_TOTP_KEY
from indsats.accounts.models import User

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANDMARK_RULES = ["landmark-unique", "landmark-no-duplicate-main", "landmark-one-main"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's Chromium (/usr/bin/chromium) is missing in CI: .ci/run must install it.")
        pytest.skip("Chromium is not installed: run `make browser-deps`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


class BrowserPage:
    """A page plus the checks every journey makes: axe-core, CSP and a screenshot."""

    def __init__(self, page: object, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.csp_violations: list[str] = []
        page.on("console", self._on_console)  # type: ignore[attr-defined]

    def _on_console(self, message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp_violations.append(text)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)  # type: ignore[attr-defined]

    def login(self, username: str, password: str) -> None:
        self.goto("/konto/log-ind/")
        self.page.fill("#id_username", username)  # type: ignore[attr-defined]
        self.page.fill("#id_password", password)  # type: ignore[attr-defined]
        with self.page.expect_navigation():  # type: ignore[attr-defined]
            self.page.click("main button[type=submit]")  # type: ignore[attr-defined]
        if "/tofaktor/" in self.page.url:  # type: ignore[attr-defined]
            # an administrator: a test's own one gets the demo authenticator key, as the demo's have
            user = User.objects.get(username=username)
            if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.filter(user=user).delete()
                TOTPDevice.objects.create(user=user, name="test", key=DEMO_TOTP_KEY, confirmed=True)
                self.page.reload()  # type: ignore[attr-defined]
            # a code is accepted once (django-otp refuses a time step already used): a second log-in within
            # the same 30 seconds waits for the next step
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            if device.last_t >= int(time.time()) // device.step:
                time.sleep(device.step - time.time() % device.step + 0.5)
            code = totp(bytes.fromhex(DEMO_TOTP_KEY))
            self.page.fill("#id_token", f"{code:06d}")  # type: ignore[attr-defined]
            with self.page.expect_navigation():  # type: ignore[attr-defined]
                self.page.click("main button[type=submit]")  # type: ignore[attr-defined]

    def check(self, name: str) -> None:
        """Screenshot, axe-core with no violations, and no CSP violation so far."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
        self.page.evaluate(AXE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
        result = self.page.evaluate(  # type: ignore[attr-defined]
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        # and the best-practice rules for landmarks a screen reader lists by name: two scrollable tables on
        # one page must not share one name
        landmarks = self.page.evaluate(  # type: ignore[attr-defined]
            "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})", LANDMARK_RULES
        )
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in [*result["violations"], *landmarks["violations"]]
        ]
        assert violations == [], f"axe-core violations on {name}:\n" + "\n".join(violations)
        assert self.csp_violations == [], self.csp_violations


@pytest.fixture
def page(browser: object, live_server: object) -> Iterator[BrowserPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")  # type: ignore[attr-defined]
    new_page = context.new_page()
    new_page.set_default_timeout(15000)
    yield BrowserPage(new_page, live_server.url)  # type: ignore[attr-defined]
    context.close()
