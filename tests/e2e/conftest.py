"""End-to-end fixtures: the browser (one per test session, per xdist worker)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from tests.browser_support import Session, launch, session


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def browse(browser: Any, live_api: Any) -> Callable[..., AbstractContextManager[Session]]:
    """``with browse() as s:`` a fresh browser context on the live server (demo data loaded),
    failing the test on any request outside the app or any script error."""

    def make(**kw: Any) -> AbstractContextManager[Session]:
        return session(browser, live_api.base, **kw)

    return make
