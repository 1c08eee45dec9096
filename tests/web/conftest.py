"""Web-tier fixtures: a signed-in user per demo account, in-process (the browser tests in
tests/e2e drive the same pages through chromium)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.web_support import WebUser


@pytest.fixture
def web(demo, app: Flask) -> Callable[[str | None], WebUser]:
    """``web("caseworker.shipai")``: a client signed in as that demo user (None: signed out)."""

    def make(username: str | None = None) -> WebUser:
        user = WebUser(app)
        if username:
            resp = user.login(username)
            assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return user

    return make
