"""What the tester saw over HTTP against gunicorn (hardening items 1, 2, 9 and 11): raw bytes on
the wire, not a test client. A deeply nested body and an unpaired surrogate are problems, not a
500; a body over 1 MiB is a 413 whether it says its length or comes chunked; personal data in a
URL path never reaches the server's log unmasked."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import requests

MIB = 1024 * 1024
LOGIN = {"username": "admin", "password": "casework-demo"}
JSON = {"Content-Type": "application/json"}


def _problem(r: requests.Response, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text[:500]
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = json.loads(r.text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert body["status"] == status and body["detail"]
    if code:
        assert body["code"] == code, body
    return body


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A JSON-looking body of ``total`` bytes, sent chunked (requests gets no length)."""
    yield b'{"username": "'
    sent = 15
    while sent < total:
        n = min(size, total - sent)
        yield b"a" * n
        sent += n
    yield b'", "password": "x"}'


def test_json_nested_100000_deep_is_a_400_over_http(live_api, live_server):
    url = live_api.url("/auth/token")
    for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000):
        r = requests.post(url, data=body.encode(), headers=JSON, timeout=30)
        assert "64" in _problem(r, 400, "malformed_request")["detail_en"]
    token = live_api.token("supervisor.tianhe")
    r = requests.post(
        live_api.url("/cases"),
        data=("[" * 100_000).encode(),
        headers={**JSON, "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    _problem(r, 400, "malformed_request")
    # The workers survived: the service still answers.
    assert requests.post(url, json=LOGIN, timeout=30).status_code == 201


def test_unpaired_surrogate_at_login_is_a_422_over_http(live_api):
    url = live_api.url("/auth/token")
    r = requests.post(
        url, data=b'{"username": "\\ud800", "password": "casework-demo"}', headers=JSON, timeout=30
    )
    assert list(_problem(r, 422, "invalid_input")["errors"]) == ["username"]
    r = requests.post(
        url, data=b'{"username": "admin", "password": "\\udfff"}', headers=JSON, timeout=30
    )
    assert list(_problem(r, 422)["errors"]) == ["password"]
    r = requests.post(url, data=b'{"\\ud800": 1}', headers=JSON, timeout=30)
    _problem(r, 422)
    r = requests.post(
        url, data=b'{"username": "\\u0000", "password": "x"}', headers=JSON, timeout=30
    )
    assert list(_problem(r, 422)["errors"]) == ["username"]


def test_bodies_over_one_mib_are_413_chunked_or_not(live_api):
    url = live_api.url("/auth/token")
    started = time.monotonic()
    # Chunked: no Content-Length, Transfer-Encoding: chunked (a generator makes requests do so).
    r = requests.post(url, data=_chunks(10 * MIB), headers=JSON, timeout=30)
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in r.request.headers
    _problem(r, 413, "request_entity_too_large")
    # Just over the limit, chunked.
    r = requests.post(url, data=_chunks(MIB + 1), headers=JSON, timeout=30)
    _problem(r, 413)
    # With a Content-Length.
    r = requests.post(url, data=b" " * (10 * MIB), headers=JSON, timeout=30)
    _problem(r, 413)
    assert time.monotonic() - started < 60
    # A chunked body within the limit is read whole and answered as usual.
    r = requests.post(
        url,
        data=iter([b'{"username": "admin", ', b'"password": "casework-demo"}']),
        headers=JSON,
        timeout=30,
    )
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert r.status_code == 201, r.text
    r = requests.post(url, data=_chunks(MIB - 64), headers=JSON, timeout=30)
    _problem(r, 422)  # a username of a million 'a's: read whole, then refused by the schema


def test_a_body_that_is_not_json_is_a_415_over_http(live_api):
    r = requests.post(
        live_api.url("/auth/token"),
        data=json.dumps(LOGIN).encode(),
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )
    _problem(r, 415, "unsupported_media_type")


def test_personal_data_in_a_url_path_is_masked_in_the_log(live_api, live_server):
    token = live_api.token("auditor")
    paths = [
        "/cases/x13812345678y",
        "/cases/+8613812345678",
        "/cases/0086%2013912345678",
        "/cases/a440106199001011235b",
        "/workflows/13712345678",
    ]
    rids = []
    for path in paths:
        r = requests.get(
            live_api.url(path), headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert r.status_code == 404
        rids.append(r.headers["X-Request-Id"])
    text = ""
    for _ in range(50):
        text = live_server.log_path.read_text(encoding="utf-8")
        if all(rid in text for rid in rids):
            break
        time.sleep(0.1)
    lines = [line for line in text.splitlines() if any(rid in line for rid in rids)]
    assert len(lines) == len(paths), lines
    for secret in ("13812345678", "13912345678", "440106199001011235", "13712345678"):
        assert secret not in text
    assert any("x138****5678y" in line for line in lines)
    assert any("440106********1235" in line for line in lines)
