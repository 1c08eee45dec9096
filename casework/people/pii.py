"""Personal data: validation, masking, encryption and blind indexes.

Resident ID numbers (GB 11643) and phone numbers are stored Fernet-encrypted, found again by an
HMAC-SHA256 blind index, and shown masked (``440106********1234``, ``138****5678``). Nothing in
this module ever puts a clear value into an exception message or a log line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken

from casework.core.errors import InvalidInput

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def id_number_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(value: str) -> str:
    """Validate a resident ID number (GB 11643) and return it upper-cased.

    Raises :class:`InvalidInput` with a message that contains no digits at all.
    """
    v = (value or "").strip().upper()
    if not _ID_RE.match(v):
        raise InvalidInput(
            "id_number",
            "身份证号码应为十八位（最后一位可为X）",
            "must be eighteen characters (the last may be X)",
        )
    try:
        born = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise InvalidInput(
            "id_number", "身份证号码中的出生日期无效", "birth date is invalid"
        ) from None
    if born.year < 1900 or born > dt.date.today():
        raise InvalidInput("id_number", "身份证号码中的出生日期无效", "birth date is invalid")
    if id_number_check_char(v[:17]) != v[17]:
        raise InvalidInput(
            "id_number",
            "身份证号码校验位错误",
            "its check character does not match (resident ID standard)",
        )
    return v


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    check = 31 - total % 31
    return _USCC_CHARS[0 if check == 31 else check]


def normalise_credit_code(value: str) -> str:
    """Validate a unified social credit code (GB 32100) and return it upper-cased."""
    v = (value or "").strip().upper()
    if not _USCC_RE.match(v):
        raise InvalidInput(
            "credit_code",
            "统一社会信用代码应为十八位数字或大写字母（不含I、O、Z、S、V）",
            "must be eighteen characters of the unified social credit code alphabet",
        )
    if credit_code_check_char(v[:17]) != v[17]:
        raise InvalidInput(
            "credit_code", "统一社会信用代码校验位错误", "its check character does not match"
        )
    return v


def normalise_phone(value: str) -> str:
    v = re.sub(r"[\s()]", "", value or "")
    if v.startswith("+86"):
        v = v[3:]
    if _MOBILE_RE.match(v.replace("-", "")):
        return v.replace("-", "")  # 139-1234-5678 is the same mobile as 13912345678
    if _LANDLINE_RE.match(v):
        return v
    raise InvalidInput(
        "phone",
        "电话号码格式无效（手机号，或区号加座机号）",
        "not a valid phone number (a mobile, or area code and landline)",
    )


# In free text: an ID number (18 characters, spaced or not) or a mainland mobile, +86 or not.
_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{6}[ -]?[0-9]{8}[ -]?[0-9]{3}[0-9Xx](?![0-9])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])")


def has_personal_data(text: str) -> bool:
    """Whether free text carries what looks like an ID number or a mobile number: a record that
    must hold none (a reason for moving an employer) refuses it."""
    return bool(_ID_IN_TEXT.search(text) or _MOBILE_IN_TEXT.search(text))


def mask_id_number(v: str) -> str:
    return v[:6] + "*" * 8 + v[-4:]


def mask_phone(v: str) -> str:
    if _MOBILE_RE.match(v):
        return v[:3] + "****" + v[-4:]
    digits = v.replace("-", "")
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


class PiiVault:
    """Encrypts, decrypts and blind-indexes personal data with keys from settings."""

    def __init__(self, fernet_key: str, blind_index_key: str) -> None:
        self._fernet = Fernet(fernet_key.encode() if isinstance(fernet_key, str) else fernet_key)
        self._blind = blind_index_key.encode()

    def encrypt(self, clear: str) -> bytes:
        return self._fernet.encrypt(clear.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(token)).decode()
        except InvalidToken:
            raise RuntimeError(
                "stored personal data cannot be decrypted with the configured key"
            ) from None

    def blind_index(self, kind: str, normalised: str) -> str:
        return hmac.new(self._blind, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()
