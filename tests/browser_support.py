"""The pages in a real browser: Debian's chromium driven by Playwright (never `playwright install`,
which downloads a browser of its own), one browser per test session, a fresh context per user.

Every request a page makes that leaves the app's origin is blocked and recorded, and any such
request fails the test; so does a script error on a page. :func:`check_a11y` runs axe-core
(bundled by axe-playwright-python, offline) on a page: no serious or critical violation allowed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from tests.api_support import PASSWORD

CHROMIUM = os.environ.get("CASEWORK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# Waits on a condition, never a sleep: how long one may take before the test fails.
TIMEOUT_MS = 15_000
_AXE = Axe()


def launch(playwright: Any) -> Any:
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)


class Session:
    """One user's browser context on the live server, recording what must never happen."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int] = DESKTOP) -> None:
        self.base = base
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(
            base_url=base, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base + "/") or url == self.base:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def login(self, username: str, password: str = PASSWORD) -> Any:
        page = self.page
        page.goto("/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    def close(self) -> None:
        self.context.close()


def check_a11y(page: Any) -> list[str]:
    """Serious and critical axe-core violations on the page, as 'rule: target' lines."""
    results = _AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


@contextmanager
def session(browser: Any, base: str, **kw: Any) -> Iterator[Session]:
    s = Session(browser, base, **kw)
    try:
        yield s
    finally:
        s.close()
    assert not s.outside, f"requests left the app's origin: {s.outside[:5]}"
    assert not s.errors, f"script errors on the page: {s.errors[:5]}"
