"""redact(): whatever shape an ID number or a mobile number takes in a log line, it is masked
(hardening item 11); request ids and hashes stay readable."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import uuid

import pytest

from api.observability import JsonFormatter, redact

ID = "440106199001011235"
ID_MASKED = "440106********1235"
MOBILE = "13812345678"
MOBILE_MASKED = "138****5678"


@pytest.mark.parametrize(
    "text,expected",
    [
        # ID numbers
        (ID, ID_MASKED),
        ("44010619900101123X", "440106********123X"),
        ("44010619900101123x", "440106********123x"),
        (f"id={ID}&x=1", f"id={ID_MASKED}&x=1"),
        (f"/api/v1/cases/{ID}", f"/api/v1/cases/{ID_MASKED}"),
        (f"/api/v1/cases/x{ID}y", f"/api/v1/cases/x{ID_MASKED}y"),
        (f"ID{ID}", f"ID{ID_MASKED}"),
        (f"身份证号{ID}，", f"身份证号{ID_MASKED}，"),
        ("440106 19900101 1235", ID_MASKED),
        ("440106-19900101-1235", ID_MASKED),
        (f'{{"id_number": "{ID}"}}', f'{{"id_number": "{ID_MASKED}"}}'),
        # mobiles
        (MOBILE, MOBILE_MASKED),
        (f"x{MOBILE}y", f"x{MOBILE_MASKED}y"),
        (f"/api/v1/cases/x{MOBILE}y", f"/api/v1/cases/x{MOBILE_MASKED}y"),
        (f"tel:{MOBILE}", f"tel:{MOBILE_MASKED}"),
        (f"电话{MOBILE}。", f"电话{MOBILE_MASKED}。"),
        (f"+86{MOBILE}", f"+86{MOBILE_MASKED}"),
        (f"+86 {MOBILE}", f"+86 {MOBILE_MASKED}"),
        ("+86 138 1234 5678", f"+86 {MOBILE_MASKED}"),
        ("+86-138-1234-5678", f"+86-{MOBILE_MASKED}"),
        (f"0086{MOBILE}", f"0086{MOBILE_MASKED}"),
        (f"0086 {MOBILE}", f"0086 {MOBILE_MASKED}"),
        (f"86{MOBILE}", f"86{MOBILE_MASKED}"),
        (f"(+86){MOBILE}", f"(+86){MOBILE_MASKED}"),
        (f"(86) {MOBILE}", f"(86) {MOBILE_MASKED}"),
        ("138 1234 5678", MOBILE_MASKED),
        ("138-1234-5678", MOBILE_MASKED),
        ("phone=19912345678&q=1", "phone=199****5678&q=1"),
        (f"x{MOBILE}y{ID}z", f"x{MOBILE_MASKED}y{ID_MASKED}z"),
        (f"{MOBILE},{MOBILE}", f"{MOBILE_MASKED},{MOBILE_MASKED}"),
    ],
)
def test_personal_data_is_masked_in_every_shape(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "12812345678",  # not a mobile prefix
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "2138123456789",
        "4401061990010112",  # sixteen digits
        "4401061990010112350",  # nineteen digits
        "duration_ms 1731234567.5",
        "2026-11-22T00:52:06.336Z",
        "WAG-2026-000001",
        "/api/v1/cases/2147483647",
        "91440106MA5BD00024",  # a credit code is not personal data
    ],
)
def test_other_numbers_are_left_alone(text):
    assert redact(text) == text


def test_request_ids_and_hashes_are_kept_whole():
    # Hex tokens that happen to hold a digit run shaped like a phone or an ID number.
    request_id = "3f1c" + MOBILE + "ab" * 8 + "c"
    assert len(request_id) == 32
    sha256 = "e" + ID + "a" * 45
    assert len(sha256) == 64
    for token in (request_id, sha256, uuid.uuid4().hex, hashlib.sha256(b"x").hexdigest()):
        line = f'{{"request_id": "{token}", "hash": "{token}"}}'
        assert redact(line) == line
    # Only whole tokens of hex: a phone inside anything else is masked.
    assert redact(f"req-{MOBILE}-x") == f"req-{MOBILE_MASKED}-x"
    assert redact(f"z{request_id}") != f"z{request_id}"


def test_the_json_formatter_masks_messages_paths_and_tracebacks():
    record = logging.LogRecord(
        "casework.request", logging.INFO, __file__, 1, "GET %s", (f"/cases/x{MOBILE}y",), None
    )
    record.path = f"/api/v1/cases/+86{MOBILE}"
    record.request_id = uuid.uuid4().hex
    try:
        raise ValueError(f"bad id {ID} for {MOBILE}")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    out = json.loads(line)
    assert MOBILE not in line and ID not in line
    assert out["path"] == f"/api/v1/cases/+86{MOBILE_MASKED}"
    assert out["request_id"] == record.request_id
    assert ID_MASKED in out["exc"]
