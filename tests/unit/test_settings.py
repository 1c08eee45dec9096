"""Settings: the secrets production cannot start without, and the development key file."""

from __future__ import annotations

import hashlib
import json
import secrets

import pytest
from cryptography.fernet import Fernet

from casework.core.settings import SettingsError, load_settings
from casework.history import HistoryKeys

FERNET = Fernet.generate_key().decode()
BLIND = secrets.token_hex(32)
HISTORY = secrets.token_hex(32)
SECRET = secrets.token_hex(32)


def production(**extra: str) -> dict[str, str]:
    return {
        "CASEWORK_ENV": "production",
        "CASEWORK_DATABASE_URL": "sqlite://",
        "CASEWORK_FERNET_KEY": FERNET,
        "CASEWORK_BLIND_INDEX_KEY": BLIND,
        "CASEWORK_SECRET_KEY": SECRET,
        **extra,
    }


def test_production_refuses_to_start_without_the_history_key(tmp_path):
    env = production(CASEWORK_DATA_DIR=str(tmp_path))
    with pytest.raises(SettingsError, match="CASEWORK_HISTORY_KEY must be set in production"):
        load_settings(env)
    with pytest.raises(SettingsError, match="CASEWORK_HISTORY_KEY"):
        load_settings({**env, "CASEWORK_HISTORY_KEY": ""})
    assert not (tmp_path / "secrets.json").exists()  # production never writes a key file


def test_production_takes_the_current_and_the_old_history_keys():
    old1, old2 = secrets.token_hex(32), secrets.token_hex(32)
    s = load_settings(
        production(
            CASEWORK_HISTORY_KEY=HISTORY, CASEWORK_HISTORY_OLD_KEYS=f" {old1} ,{old2},, {HISTORY}"
        )
    )
    assert s.history_key == HISTORY
    assert s.history_old_keys == (old1, old2)  # blanks and the current key itself dropped


@pytest.mark.parametrize("name", ["CASEWORK_HISTORY_KEY", "CASEWORK_HISTORY_OLD_KEYS"])
def test_a_short_history_key_is_refused_without_showing_it(name):
    env = production(CASEWORK_HISTORY_KEY=HISTORY)
    env[name] = "tooshort-secret"
    with pytest.raises(SettingsError, match=f"{name}.*at least 32 characters") as exc:
        load_settings(env)
    assert "tooshort-secret" not in str(exc.value)


def test_development_adds_a_history_key_to_an_existing_key_file_and_keeps_it(tmp_path):
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"fernet_key": FERNET, "blind_index_key": BLIND}))
    env = {"CASEWORK_DATA_DIR": str(tmp_path)}
    first = load_settings(env)
    # the keys that protect existing personal data are kept; the history key is added once
    assert (first.fernet_key, first.blind_index_key) == (FERNET, BLIND)
    assert len(first.history_key) >= 32
    assert json.loads(path.read_text())["history_key"] == first.history_key
    assert load_settings(env).history_key == first.history_key
    assert load_settings({**env, "CASEWORK_HISTORY_KEY": HISTORY}).history_key == HISTORY


def test_production_refuses_to_start_without_the_session_secret(tmp_path):
    env = production(CASEWORK_HISTORY_KEY=HISTORY, CASEWORK_DATA_DIR=str(tmp_path))
    del env["CASEWORK_SECRET_KEY"]
    with pytest.raises(SettingsError, match="CASEWORK_SECRET_KEY must be set in production"):
        load_settings(env)
    with pytest.raises(SettingsError, match="CASEWORK_SECRET_KEY.*at least 32") as exc:
        load_settings({**env, "CASEWORK_SECRET_KEY": "short-session-secret"})
    assert "short-session-secret" not in str(exc.value)
    assert not (tmp_path / "secrets.json").exists()
    settings = load_settings({**env, "CASEWORK_SECRET_KEY": SECRET})
    # Its own secret: not the history key, nor anything derived from it.
    assert settings.secret_key == SECRET != settings.history_key


def test_development_adds_a_session_secret_to_an_existing_key_file_and_keeps_it(tmp_path):
    path = tmp_path / "secrets.json"
    path.write_text(
        json.dumps({"fernet_key": FERNET, "blind_index_key": BLIND, "history_key": HISTORY})
    )
    env = {"CASEWORK_DATA_DIR": str(tmp_path)}
    first = load_settings(env)
    assert first.history_key == HISTORY and len(first.secret_key) >= 32
    assert first.secret_key != first.history_key
    assert json.loads(path.read_text())["secret_key"] == first.secret_key
    assert load_settings(env).secret_key == first.secret_key


def test_a_history_key_is_known_by_the_first_8_hex_digits_of_its_sha256():
    old = secrets.token_hex(32)
    keys = HistoryKeys(HISTORY, (old,))
    assert keys.current_id == hashlib.sha256(HISTORY.encode()).hexdigest()[:8]
    assert keys.accepts(keys.current_id) and keys.accepts(
        hashlib.sha256(old.encode()).hexdigest()[:8]
    )
    assert not keys.accepts(hashlib.sha256(b"another key of 32 characters....").hexdigest()[:8])


def test_secrets_never_appear_in_the_settings_repr():
    settings = load_settings(
        {
            "CASEWORK_DATABASE_URL": "sqlite://",
            "CASEWORK_FERNET_KEY": "F" * 44,
            "CASEWORK_BLIND_INDEX_KEY": "B" * 64,
            "CASEWORK_HISTORY_KEY": "H" * 64,
            "CASEWORK_METRICS_TOKEN": "M" * 32,
            "CASEWORK_SECRET_KEY": "S" * 64,
        }
    )
    text = repr(settings)
    hidden = ("F" * 44, "B" * 64, "H" * 64, "M" * 32, "S" * 64)
    assert all(secret not in text for secret in hidden), text


def test_criminal_thresholds_are_provincial_settings_inside_the_national_ranges():
    base = {"CASEWORK_DATABASE_URL": "sqlite://", "CASEWORK_FERNET_KEY": FERNET}
    base["CASEWORK_BLIND_INDEX_KEY"] = BLIND
    base["CASEWORK_HISTORY_KEY"] = HISTORY
    base["CASEWORK_SECRET_KEY"] = SECRET
    national = load_settings(base).guard_settings
    assert (national["criminal_single_amount"], national["criminal_group_amount"]) == (
        "5000",
        "30000",
    )
    # Guangdong, class-one cities (粤高法发〔2015〕4号): ¥20,000 / ¥100,000.
    guangdong = load_settings(
        {
            **base,
            "CASEWORK_CRIMINAL_SINGLE_AMOUNT": "20000",
            "CASEWORK_CRIMINAL_GROUP_AMOUNT": "100000",
        }
    ).guard_settings
    assert (guangdong["criminal_single_amount"], guangdong["criminal_group_amount"]) == (
        "20000",
        "100000",
    )
    for name, value in (
        ("CASEWORK_CRIMINAL_SINGLE_AMOUNT", "4999"),
        ("CASEWORK_CRIMINAL_GROUP_AMOUNT", "100001"),
        ("CASEWORK_CRIMINAL_GROUP_AMOUNT", "三万元"),
        ("CASEWORK_CRIMINAL_SINGLE_AMOUNT", "NaN"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings({**base, name: value})


def test_a_graded_handling_limit_can_be_set_per_tier():
    env = production(CASEWORK_HISTORY_KEY=HISTORY, CASEWORK_DEADLINE_HOTLINE_HANDLING_DIFFICULT="8")
    assert load_settings(env).deadline_days == {"hotline.handling.difficult": 8}
    with pytest.raises(SettingsError, match="CASEWORK_DEADLINE_HOTLINE_HANDLING_COMPLEX"):
        load_settings({**env, "CASEWORK_DEADLINE_HOTLINE_HANDLING_COMPLEX": "0"})
