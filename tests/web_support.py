"""A signed-in browser without a browser: Flask's test client holding the session cookie, reading
each form's CSRF token from the page the way a browser would submit it."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.api_support import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebUser:
    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self.csrf = ""

    def get(self, path: str, **kw: Any) -> Any:
        resp = self.client.get(path, **kw)
        found = CSRF.search(resp.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return resp

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        form = {"csrf_token": self.csrf, **(data or {})}
        resp = self.client.post(path, data=form, **kw)
        found = CSRF.search(resp.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return resp

    def login(self, username: str, password: str = PASSWORD) -> Any:
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


def text_of(resp: Any) -> str:
    return resp.get_data(as_text=True)
