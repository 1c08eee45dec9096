"""CASEWORK_LOG_LEVEL sets the app's own log level as well as gunicorn's: at ``warning`` a
service under load writes no line per request, and a bad value stops the start with the reason."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from api.app import create_app
from casework.core.settings import SettingsError, load_settings


def _request_lines(rt, caplog, level: str) -> list[logging.LogRecord]:
    app = create_app(
        runtime=dataclasses.replace(rt, settings=rt.settings.with_overrides(log_level=level))
    )
    caplog.clear()  # caplog's handler sits on the root: it sees what the app's level lets by
    assert app.test_client().get("/healthz").status_code == 200
    return [r for r in caplog.records if r.name == "casework.request"]


def test_the_request_log_follows_the_level(rt, caplog):
    try:
        assert len(_request_lines(rt, caplog, "info")) == 1
        assert _request_lines(rt, caplog, "warning") == []
    finally:
        logging.getLogger("casework").setLevel(logging.INFO)


def test_an_unknown_level_is_refused_with_the_choices(tmp_path):
    with pytest.raises(SettingsError, match="CASEWORK_LOG_LEVEL"):
        load_settings({"CASEWORK_LOG_LEVEL": "loud", "CASEWORK_DATA_DIR": str(tmp_path)})
