"""服务下沉一级 — service sinks one level: the unit a new case belongs to.

An intake received anywhere (a city hotline, a county desk) is routed down the employer's chain
to the lowest unit competent for the process; a collective dispute starts one level higher
(never above the escalation ceiling).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import workflows
from casework.core.settings import Settings
from casework.models import Employer, OrgUnit
from workflows.base import level_rank


def chain_upwards(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """``unit`` and its ancestors, lowest first (one query)."""
    ids = unit.ancestor_ids()
    # A chain this transaction already read (an intake routes its case and then its early
    # warning up the same chain) is not read again; the memo ends with the transaction.
    memo: dict[int, OrgUnit] = session.info.setdefault("casework_chain_units", {})
    if all(i in memo for i in ids):
        return [memo[i] for i in reversed(ids)]
    rows = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    memo.update(rows)
    return [rows[i] for i in reversed(ids)]


def competence_level(settings: Settings, workflow: str, employer: Employer | None) -> str:
    """The lowest level that may own a case of ``workflow`` about ``employer``."""
    if workflow == "mediation" and employer is not None and not employer.has_union:
        return settings.competence.get("mediation_no_union", "township")
    return settings.competence.get(workflow, workflows.get(workflow).competence)


def route_owner(
    session: Session, settings: Settings, workflow: str, employer: Employer, worker_count: int
) -> OrgUnit:
    """The lowest unit in the employer's chain competent for ``workflow``; a collective dispute
    (``worker_count`` at or above the threshold) starts one level higher, never above the
    ceiling."""
    chain = chain_upwards(session, employer.org_unit)
    need = level_rank(competence_level(settings, workflow, employer))
    idx = next((i for i, u in enumerate(chain) if level_rank(u.level) >= need), len(chain) - 1)
    collective = worker_count >= settings.collective_threshold
    if (
        collective
        and idx + 1 < len(chain)
        and level_rank(chain[idx + 1].level) <= level_rank(settings.escalation_ceiling)
    ):
        idx += 1
    return chain[idx]
