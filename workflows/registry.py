"""The five processes by name, in a stable order."""

from __future__ import annotations

from workflows import hotline, legal_aid, mediation, supervision, wage_arrears
from workflows.base import Workflow

REGISTRY: dict[str, Workflow] = {
    wf.name: wf
    for wf in (
        mediation.WORKFLOW,
        wage_arrears.WORKFLOW,
        legal_aid.WORKFLOW,
        supervision.WORKFLOW,
        hotline.WORKFLOW,
    )
}

for _wf in REGISTRY.values():
    for _child in _wf.spawns:
        if _child not in REGISTRY:  # pragma: no cover - a definition error, caught at import
            raise ValueError(f"{_wf.name} spawns unknown workflow {_child!r}")


class UnknownWorkflow(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown workflow {self.name!r}; known: {', '.join(REGISTRY)}"


def get(name: str) -> Workflow:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownWorkflow(name) from None


def names() -> list[str]:
    return list(REGISTRY)
