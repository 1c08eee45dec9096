"""Jurisdiction profiles, the supervision citations and the 2024 procuratorate branch (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

import workflows
from casework.core.settings import SettingsError, load_settings
from tests.helpers import TEST_KEYS
from workflows.base import GuardContext
from workflows.documents import DOCUMENT_KINDS, SUPERVISION_BASIS
from workflows.jurisdiction import NATIONAL, PROFILES
from workflows.supervision import PROCURATORATE_ELIGIBLE


def _settings(**env):
    return load_settings({**TEST_KEYS, "CASEWORK_DATABASE_URL": "sqlite://", **env})


def test_every_profile_override_names_a_real_rule_or_document():
    rules = {f"{wf.name}.{r.name}": r for wf in workflows.REGISTRY.values() for r in wf.deadlines}
    for p in PROFILES.values():
        for key in p.citations:
            assert key in rules or key.removeprefix("document.") in DOCUMENT_KINDS, key
        for key in p.deadline_days:
            assert key in rules and rules[key].configurable, key


def test_the_jurisdiction_setting_picks_the_profile_and_defaults_to_national():
    assert _settings().jurisdiction == NATIONAL
    assert _settings(CASEWORK_JURISDICTION="Guangdong").region.label_zh == "广东省"
    with pytest.raises(SettingsError, match="CASEWORK_JURISDICTION"):
        _settings(CASEWORK_JURISDICTION="atlantis")


def test_criminal_thresholds_are_settings_with_the_national_floor_by_default():
    for region in ("national", "zhejiang"):
        gs = _settings(CASEWORK_JURISDICTION=region).guard_settings
        assert (gs["criminal_single_months"], gs["criminal_single_amount"]) == (3, "5000")
        assert (gs["criminal_group_workers"], gs["criminal_group_amount"]) == (10, "30000")
    # The demo's province sets its own amounts (Guangzhou is a class-one city): the months and
    # the ten workers are national.
    gs = _settings(CASEWORK_JURISDICTION="guangdong").guard_settings
    assert (gs["criminal_single_months"], gs["criminal_single_amount"]) == (3, "20000")
    assert (gs["criminal_group_workers"], gs["criminal_group_amount"]) == (10, "100000")
    gs = _settings(CASEWORK_JURISDICTION="guangdong", CASEWORK_CRIMINAL_SINGLE_AMOUNT="10000")
    assert gs.guard_settings["criminal_single_amount"] == "10000"


def test_no_definition_cites_a_province_only_its_profile_does():
    texts = [wf.citation for wf in workflows.REGISTRY.values()]
    texts += [r.citation for wf in workflows.REGISTRY.values() for r in wf.deadlines]
    texts += [k.citation for k in DOCUMENT_KINDS.values()]
    assert not [t for t in texts if "浙江" in t or "广东" in t]
    assert "浙江" in PROFILES["zhejiang"].rule_citation("supervision", "opinion_letter_reply", "")


def test_union_power_to_demand_correction_is_union_law_article_23():
    sup = workflows.get("supervision")
    assert "工会法 第二十三条" in sup.citation and "工会法 第二十三条" in SUPERVISION_BASIS
    assert "工会法 第二十三条" in DOCUMENT_KINDS["inspection_referral"].citation
    assert "工会法 第二十六条" in sup.rule("investigation").citation
    everything = [k.citation for k in DOCUMENT_KINDS.values()] + [sup.citation]
    everything += [r.citation for r in sup.deadlines]
    assert not [t for t in everything if "工会法 第二十二条" in t]


def _eligible(**facts):
    ctx = GuardContext(facts=facts, settings={"collective_threshold": 10}, today=dt.date.today())
    return PROCURATORATE_ELIGIBLE.check(ctx)


@pytest.mark.parametrize("group", ["new_employment_form", "women", "minors", "disabled", "older"])
def test_procuratorate_branch_covers_protected_groups_without_headcount_or_uncooperation(group):
    # One worker, a cooperating employer, any subject: the 2024 notice's groups still qualify.
    assert _eligible(worker_group=group, worker_count=1, subject="working_time")
    assert not _eligible(worker_count=1, subject="working_time")
    # The group-dispute branch keeps its conditions.
    assert _eligible(subject="migrant_wages", worker_count=12, employer_uncooperative=True)
    assert not _eligible(subject="migrant_wages", worker_count=12, employer_uncooperative=False)
