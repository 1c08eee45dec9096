"""The small vocabulary every workflow definition is written in.

A workflow is pure data plus named predicates: states, transitions (with the roles allowed to
fire them, the lowest org level that may fire them and named guards), and the deadline rules
that run while a case sits in a state. One ``transitions.Machine`` per workflow is built here,
once, at import; cases are never registered with it (``model=None``) — the engine fires
``machine.events[trigger].trigger(case)`` on the case object itself.

This package imports nothing from the rest of the project (no database, no Flask).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TypeAlias

from transitions import Machine

from workflows.fields import Field, lookup, text

# Org levels, lowest first (docs/domain.md §2).
LEVELS: tuple[str, ...] = ("grassroots", "township", "county", "city", "province", "national")
LEVEL_LABELS_ZH: dict[str, str] = dict(
    zip(
        LEVELS,
        ("基层工会", "乡镇（街道）工会", "县（区）总工会", "市总工会", "省总工会", "全国总工会"),
        strict=True,
    )
)

# Roles a user may hold. ``system`` is the engine itself (the scheduler's sweep).
ROLES: tuple[str, ...] = ("operator", "caseworker", "supervisor", "admin", "auditor")
SYSTEM = "system"

# Units a deadline is counted in.
CALENDAR = "calendar"
WORKING = "working"
UNITS: tuple[str, ...] = (CALENDAR, WORKING)

# Kinds of deadline.
STATUTORY = "statutory"  # the law's clock: expiry fires the workflow's own expiry trigger
HANDLING = "handling"  # how long a unit may hold a step: expiry lifts the case one level
KINDS: tuple[str, ...] = (STATUTORY, HANDLING)

ESCALATE = "escalate"  # on_expiry value of handling rules
NOTIFY = "notify"  # on_expiry value of clocks the union only tracks (another body's deadline)

# Complexity tiers of the 12351 hotline (一般 / 难点 / 特别复杂) and the days a work order of each
# tier may be handled in; processes graded like hotline work orders use them as ``tier_days``.
TIERS: tuple[str, ...] = ("normal", "difficult", "complex")
TIER_DAYS: dict[str, int] = dict(zip(TIERS, (5, 10, 15), strict=True))
TIER_LABELS_ZH: dict[str, str] = dict(zip(TIERS, ("一般", "难点", "特别复杂"), strict=True))


def level_rank(level: str) -> int:
    """Position of ``level`` in :data:`LEVELS` (grassroots = 0)."""
    try:
        return LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown org level {level!r}") from None


@dataclass(frozen=True)
class State:
    name: str
    label_zh: str
    label_en: str
    terminal: bool = False


# A case merged into another of the same matter ends here (see Workflow ``mergeable``).
MERGED = State("merged", "已并案", "merged into another case", terminal=True)
MERGE_TRIGGER = "merge_into"


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: plain facts about the case, the trigger's data and settings.

    ``facts`` holds the case's columns the engine exposes (``worker_count``, ``amount_claimed``,
    ``collective`` ...) merged with its process attributes and then with the trigger's data, so a
    guard sees the case as it would be after the transition records that data.
    """

    facts: Mapping[str, Any]
    settings: Mapping[str, Any]
    today: dt.date
    # What the case had recorded before this step (its attributes without the trigger's data):
    # a guard that limits how often a step is taken reads it (one request for materials).
    recorded: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.facts.get(key, default)


@dataclass(frozen=True)
class Guard:
    """A named predicate with the reason a user is shown when it refuses."""

    name: str
    reason_zh: str
    reason_en: str
    predicate: Callable[[GuardContext], bool]

    def check(self, ctx: GuardContext) -> bool:
        try:
            return bool(self.predicate(ctx))
        except (TypeError, ValueError, ArithmeticError, KeyError):
            # Malformed facts (a date that is not a date, an amount that is not a number) never
            # let a guarded transition through.
            return False


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: tuple[str, ...]
    dest: str
    label_zh: str
    label_en: str
    roles: frozenset[str]
    min_level: str | None = None
    guards: tuple[Guard, ...] = ()
    # The typed data the trigger records on the case (process attributes); see workflows.fields.
    fields: tuple[Field, ...] = ()
    # Decided outside the unit that holds the case: only someone acting from a unit above it
    # (an objection to a refusal of legal aid goes to the body above the deciding institution).
    by_unit_above: bool = False

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise WorkflowDefinitionError(f"{self.trigger}: a data field is named twice")

    @property
    def records(self) -> tuple[str, ...]:
        """Keys of the trigger's ``data`` the engine records on the case."""
        return tuple(f.name for f in self.fields)

    @property
    def requires(self) -> tuple[str, ...]:
        """Keys that must be given for the trigger to be accepted."""
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def moves_to(self) -> str | None:
        """The field naming the union body this step sends the case to (派单), if any."""
        return next((f.name for f in self.fields if f.kind == "org_unit"), None)


# The legal bases on which a running clock may be extended; a rule lists those its law allows.
PARTIES_CONSENT = "parties_consent"  # both parties agree (e.g. to go on mediating)
OFFICER_APPROVAL = "officer_approval"  # a named officer approves (a chair, a department head)
EXTENSION_BASES: dict[str, str] = {
    PARTIES_CONSENT: "双方当事人同意",
    OFFICER_APPROVAL: "负责人批准",
}
NO_PAUSE_ZH = "法律未规定此项期限可以中止计算"
NO_EXTENSION_ZH = "法律未规定此项期限可以延长"
# A union unit's own handling limit (no statute sets it): the unit may stop it with a reason
# and extend it with its head's approval; both are events in the history.
OWN_LIMIT_PAUSE_ZH = (
    "本级工会自定的办理时限，法律未作规定：可说明理由暂停计时（如等待当事人补充情况）"
)
OWN_LIMIT_EXTENSION_ZH = "本级工会自定的办理时限，法律未作规定：经负责人批准可以延长，记录批准人"


@dataclass(frozen=True)
class DeadlineRule:
    """A clock that runs while a case is in one of ``runs_in``.

    The clock starts when the case enters ``state`` (the first of ``runs_in``) and stops when it
    leaves all of ``runs_in``; in ``pauses_in`` it is paused (days there are not counted).
    ``days`` may be refined per complexity tier (``tier_days``); all numbers are defaults an
    administrator may override by settings where the law leaves them open (``configurable``).

    What a user may do to a running clock is the law's to say, and stated here with the reason:
    ``pausable`` (a user may pause it with a reason), ``extension_bases`` (on which bases it may
    be extended: none means never), ``extension_cap`` (at most so many days in all; None: the law
    sets no cap) in ``extension_unit`` (default: the clock's own unit). ``pause_citation`` and
    ``extension_citation`` give the legal reason a user is shown, for allowing or for refusing.
    """

    name: str
    state: str
    days: int
    unit: str
    kind: str
    on_expiry: str
    citation: str
    label_zh: str
    label_en: str
    runs_in: tuple[str, ...] = ()
    pauses_in: tuple[str, ...] = ()
    configurable: bool = False
    extension_unit: str | None = None
    tier_days: Mapping[str, int] = field(default_factory=dict)
    # The date field (recorded by the step entering ``state``) the period counts from when the
    # law counts from an act, not from the step: receipt of an application (收到申请之日), a
    # filing (立案之日), service of a letter (送达之日). None: from the day the state is entered.
    starts_from: str | None = None
    pausable: bool = False
    pause_citation: str = NO_PAUSE_ZH
    extension_bases: tuple[str, ...] = ()
    extension_cap: int | None = None
    extension_citation: str = NO_EXTENSION_ZH
    # A notice clock due ``days`` before the date the case carries under this attribute (a
    # limitation date, computed from recorded facts): it runs while that date is known and the
    # case is in ``runs_in``, and follows the date when it changes. None: an ordinary clock.
    before: str | None = None
    # A clock an act starts, not a state: it runs whatever state the case is in (a lift or a
    # step leaves it alone) until the act that discharges it is recorded, or it expires.
    case_wide: bool = False

    def __post_init__(self) -> None:
        if not self.runs_in:
            object.__setattr__(self, "runs_in", (self.state,))
        if self.unit not in UNITS:
            raise ValueError(f"{self.name}: unit must be {' or '.join(UNITS)}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be {' or '.join(KINDS)}")
        unknown = set(self.extension_bases) - set(EXTENSION_BASES)
        if unknown:
            raise ValueError(f"{self.name}: unknown extension bases {sorted(unknown)}")
        if self.extension_unit is not None and self.extension_unit not in UNITS:
            raise ValueError(f"{self.name}: extension_unit must be {' or '.join(UNITS)}")
        if self.extension_cap is not None and (self.extension_cap < 1 or not self.extendable):
            raise ValueError(f"{self.name}: an extension cap needs extension bases and days >= 1")

    @property
    def extendable(self) -> bool:
        return bool(self.extension_bases)

    @property
    def extendable_days(self) -> int | None:
        """Days an extension may add in all: 0 when the law allows none, None when it sets no
        cap (the export's ``extendable_days``)."""
        return self.extension_cap if self.extendable else 0

    def days_for(self, tier: str | None) -> int:
        if tier and tier in self.tier_days:
            return self.tier_days[tier]
        return self.days


# A mass incident (群体性事件) is reported the same day to the Party committee and the government
# at the level where it happens (向同级党委和政府报告). That duty is set for the union from
# outside (the Party's and the government's rules on reporting mass incidents), not by a statute
# the union applies nor as its own handling limit: the engine tracks it and tells the unit and
# the level above when it is missed; it does not lift the case. Same day means the same day: a
# rest day does not move it. Any workflow's case may carry it.
MASS_INCIDENT_REPORT = DeadlineRule(
    name="mass_incident_report",
    state="*",
    days=0,
    unit=CALENDAR,
    kind=STATUTORY,
    on_expiry=NOTIFY,
    citation="劳动关系群体性事件信息报送要求：事发当日向同级党委、政府报告",
    label_zh="群体性事件当日报告同级党委、政府",
    label_en="same-day report of a mass incident to the Party committee and government",
    case_wide=True,
    pause_citation="群体性事件须当日报告，不能暂停计时",
    extension_citation="群体性事件须当日报告，不能延长",
)
CASE_WIDE_RULES: dict[str, DeadlineRule] = {MASS_INCIDENT_REPORT.name: MASS_INCIDENT_REPORT}


class WorkflowDefinitionError(ValueError):
    """A workflow definition contradicts itself (caught at import, never at run time)."""


class Workflow:
    """One process: its states, transitions, deadline rules and its single shared Machine."""

    def __init__(
        self,
        *,
        name: str,
        prefix: str,
        label_zh: str,
        label_en: str,
        initial: str,
        states: Iterable[State],
        transitions: Iterable[Transition],
        deadlines: Iterable[DeadlineRule] = (),
        competence: str = "grassroots",
        citation: str = "",
        spawns: Iterable[str] = (),
        entries: Iterable[str] = (),
        derive: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
        returns: Iterable[str] = (),
        mergeable: bool = False,
    ) -> None:
        self.name = name
        self.prefix = prefix
        self.label_zh = label_zh
        self.label_en = label_en
        self.initial = initial
        self.states: dict[str, State] = {s.name: s for s in states}
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        # Cases of one matter (co-workers calling about one employer) can be merged into one:
        # the merged case ends in MERGED, by the engine, wherever it stood (``merge_into``).
        self.mergeable = mergeable
        if mergeable:
            open_states = tuple(n for n, st in self.states.items() if not st.terminal)
            self.states[MERGED.name] = MERGED
            self.transitions += (
                Transition(
                    MERGE_TRIGGER,
                    open_states,
                    MERGED.name,
                    "并入他案",
                    "merged into another case",
                    frozenset({SYSTEM}),
                    fields=(text("merged_into*", "并入的案件", "case merged into", max_length=40),),
                ),
            )
        self.deadlines: tuple[DeadlineRule, ...] = tuple(deadlines)
        self.competence = competence
        self.citation = citation
        # Processes this one may open as child cases (e.g. wage arrears → supervision).
        self.spawns: tuple[str, ...] = tuple(spawns)
        # States other than ``initial`` a case may be opened in when the opener says so (a
        # dispute heard on the hotline waits for the written application: the period the law
        # counts from its receipt must not start at the call).
        self.entries: tuple[str, ...] = tuple(entries)
        # Triggers that send the case back to the unit that dispatched it to its holder (退单).
        self.returns: tuple[str, ...] = tuple(returns)
        # Attributes computed from recorded ones after every step (a limitation date from the
        # date it runs from); pure, given the case's attributes, returns the keys to set.
        self._derive = derive
        self._by_trigger: dict[str, list[Transition]] = {}
        for t in self.transitions:
            self._by_trigger.setdefault(t.trigger, []).append(t)
        self._validate()
        # Built once, here. Cases are never added as models (see module docstring).
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=initial,
            transitions=[
                {"trigger": t.trigger, "source": list(t.source), "dest": t.dest}
                for t in self.transitions
            ],
            auto_transitions=False,
            model_attribute="state",
            name=name,
        )

    # -- queries -------------------------------------------------------------------------

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(self._by_trigger)

    def state(self, name: str) -> State:
        return self.states[name]

    def is_terminal(self, state: str) -> bool:
        return self.states[state].terminal

    def may_start_in(self, state: str) -> bool:
        return state == self.initial or state in self.entries

    def derived(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """``attributes`` with what the workflow computes from them (unchanged without a rule)."""
        out = dict(attributes)
        if self._derive is not None:
            out.update(self._derive(out))
        return out

    def transition_for(self, trigger: str, source: str) -> Transition | None:
        for t in self._by_trigger.get(trigger, ()):
            if source in t.source:
                return t
        return None

    def has_trigger(self, trigger: str) -> bool:
        return trigger in self._by_trigger

    def transitions_from(self, source: str) -> list[Transition]:
        return [t for t in self.transitions if source in t.source]

    def rules_starting_in(self, state: str) -> list[DeadlineRule]:
        return [r for r in self.deadlines if r.state == state]

    def rule(self, name: str) -> DeadlineRule:
        """One of the workflow's deadline rules, or a rule any case may carry (CASE_WIDE_RULES)."""
        for r in self.deadlines:
            if r.name == name:
                return r
        if name in CASE_WIDE_RULES:
            return CASE_WIDE_RULES[name]
        raise KeyError(name)

    # -- export ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The definition as plain JSON-ready data (CLI ``--json`` and the REST API)."""
        return {
            "name": self.name,
            "prefix": self.prefix,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "initial": self.initial,
            "competence": self.competence,
            "citation": self.citation,
            "spawns": list(self.spawns),
            "entries": list(self.entries),
            "returns": list(self.returns),
            "mergeable": self.mergeable,
            "states": [
                {
                    "name": s.name,
                    "label_zh": s.label_zh,
                    "label_en": s.label_en,
                    "terminal": s.terminal,
                }
                for s in self.states.values()
            ],
            "transitions": [
                {
                    "trigger": t.trigger,
                    "source": list(t.source),
                    "dest": t.dest,
                    "label_zh": t.label_zh,
                    "label_en": t.label_en,
                    "roles": sorted(t.roles),
                    "min_level": t.min_level,
                    "by_unit_above": t.by_unit_above,
                    "guards": [
                        {"name": g.name, "reason_zh": g.reason_zh, "reason_en": g.reason_en}
                        for g in t.guards
                    ],
                    "records": list(t.records),
                    "requires": list(t.requires),
                    "fields": [f.to_dict() for f in t.fields],
                }
                for t in self.transitions
            ],
            "deadlines": [
                {
                    "name": r.name,
                    "state": r.state,
                    "runs_in": list(r.runs_in),
                    "pauses_in": list(r.pauses_in),
                    "days": r.days,
                    "tier_days": dict(r.tier_days),
                    "unit": r.unit,
                    "kind": r.kind,
                    "on_expiry": r.on_expiry,
                    "citation": r.citation,
                    "label_zh": r.label_zh,
                    "label_en": r.label_en,
                    "configurable": r.configurable,
                    "extendable_days": r.extendable_days,
                    "extension_unit": r.extension_unit or r.unit,
                    "starts_from": r.starts_from,
                    "pausable": r.pausable,
                    "pause_citation": r.pause_citation,
                    "extension_bases": [
                        {"code": b, "label_zh": EXTENSION_BASES[b]} for b in r.extension_bases
                    ],
                    "extension_cap": r.extension_cap,
                    "extension_citation": r.extension_citation,
                    "before": r.before,
                }
                for r in self.deadlines
            ],
        }

    def mermaid(self) -> str:
        """The workflow as Mermaid ``stateDiagram-v2`` text, generated from the definition."""
        lines = ["stateDiagram-v2"]
        for s in self.states.values():
            lines.append(f'    state "{s.label_zh} ({s.name})" as {s.name}')
        lines.append(f"    [*] --> {self.initial}")
        for e in self.entries:
            lines.append(f"    [*] --> {e}")
        for t in self.transitions:
            for src in t.source:
                lines.append(f"    {src} --> {t.dest}: {t.label_zh} ({t.trigger})")
        for s in self.states.values():
            if s.terminal:
                lines.append(f"    {s.name} --> [*]")
        return "\n".join(lines) + "\n"

    # -- self-check -------------------------------------------------------------------------

    def _validate(self) -> None:
        problems: list[str] = []
        if self.initial not in self.states:
            problems.append(f"initial state {self.initial!r} is not defined")
        for e in self.entries:
            if e not in self.states or self.states[e].terminal or e == self.initial:
                problems.append(f"entry state {e!r} must be a defined, non-terminal, other state")
        if self.competence not in LEVELS:
            problems.append(f"competence {self.competence!r} is not an org level")
        for t in self.transitions:
            for s in (*t.source, t.dest):
                if s not in self.states:
                    problems.append(f"{t.trigger}: state {s!r} is not defined")
            for s in t.source:
                if s in self.states and self.states[s].terminal:
                    problems.append(f"{t.trigger}: leaves terminal state {s!r}")
            if t.min_level is not None and t.min_level not in LEVELS:
                problems.append(f"{t.trigger}: min_level {t.min_level!r} is not an org level")
            unknown = set(t.roles) - set(ROLES) - {SYSTEM}
            if unknown:
                problems.append(f"{t.trigger}: unknown roles {sorted(unknown)}")
        for trig, ts in self._by_trigger.items():
            seen: set[str] = set()
            for t in ts:
                dup = seen & set(t.source)
                if dup:
                    problems.append(f"{trig}: ambiguous from {sorted(dup)}")
                seen |= set(t.source)
        for name, state in self.states.items():
            has_exit = any(name in t.source for t in self.transitions)
            if not state.terminal and not has_exit:
                problems.append(f"state {name!r} is not terminal but has no way out")
        for r in self.deadlines:
            for s in (*r.runs_in, *r.pauses_in):
                if s not in self.states:
                    problems.append(f"deadline {r.name}: state {s!r} is not defined")
            if r.runs_in[0] != r.state:
                problems.append(f"deadline {r.name}: runs_in must start with its state")
            if (
                r.kind == STATUTORY
                and r.on_expiry not in (NOTIFY,)
                and not self.has_trigger(r.on_expiry)
            ):
                problems.append(f"deadline {r.name}: on_expiry {r.on_expiry!r} is no trigger")
            if r.kind == STATUTORY and self.has_trigger(r.on_expiry):
                for s in r.runs_in:
                    if self.transition_for(r.on_expiry, s) is None:
                        problems.append(
                            f"deadline {r.name}: {r.on_expiry!r} cannot fire from {s!r}"
                        )
            if r.starts_from is not None:
                for t in self.transitions:
                    # A step that starts the clock (a step from inside ``runs_in`` resumes it).
                    starts = t.dest == r.state and not set(t.source) <= set(r.runs_in)
                    f = t.field(r.starts_from) if starts else None
                    if starts and (f is None or f.kind != "date" or not f.required):
                        problems.append(
                            f"deadline {r.name}: {t.trigger} enters {r.state} without the "
                            f"required date {r.starts_from!r} the clock counts from"
                        )
            if r.before is not None and (
                r.kind != STATUTORY or r.on_expiry != NOTIFY or r.starts_from is not None
            ):
                problems.append(f"deadline {r.name}: a clock before a date only notifies")
            if r.kind == HANDLING and r.on_expiry != ESCALATE:
                problems.append(f"deadline {r.name}: handling rules escalate on expiry")
        if problems:
            raise WorkflowDefinitionError(f"workflow {self.name}: " + "; ".join(problems))


# -- transition tables ----------------------------------------------------------------------
#
# A workflow's transitions are written as one row per edge:
#
#     TRANSITIONS = edges(
#         # trigger  from       to           中文        English   who            level data
#         ("accept", "applied", "mediating", "受理",     "accept", CASE_HANDLERS),
#         ("refuse", "applied", "refused", "不予受理", "refuse", CASE_HANDLERS, None, data("why*")),
#     )
#
# ``from`` is one state or a tuple of states; the trailing columns (lowest org level, the data
# keys the trigger records, ``*`` marking those it requires, and the guards: one or a tuple) may
# be left off a row when they are empty. ``edge(...)`` builds a single row, guards by keyword.


@dataclass(frozen=True)
class Data:
    """The typed fields of a trigger's ``data`` (all recorded on the case)."""

    fields: tuple[Field, ...] = ()

    @property
    def records(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def requires(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


def data(*keys: str | Field) -> Data:
    """``data("agreement_claims*", "performance_due")``: two fields of the shared catalogue
    (:data:`workflows.fields.CATALOGUE`), the starred one required; a process's own field is
    passed as a :class:`~workflows.fields.Field` (``data(enum("outcome*", ...))``)."""
    out: list[Field] = []
    for k in keys:
        if isinstance(k, Field):
            out.append(k)
            continue
        if not isinstance(k, str) or not k.removesuffix("*").isidentifier():
            raise WorkflowDefinitionError(f"data{keys!r}: keys must be identifiers or fields")
        try:
            out.append(lookup(k))
        except KeyError:
            raise WorkflowDefinitionError(
                f"data{keys!r}: {k.removesuffix('*')!r} is not in workflows.fields.CATALOGUE; "
                "declare it there or pass a Field"
            ) from None
    names = [f.name for f in out]
    if len(set(names)) != len(names):
        raise WorkflowDefinitionError(f"data{keys!r}: keys must be distinct")
    return Data(tuple(out))


Source: TypeAlias = str | tuple[str, ...]
Guards: TypeAlias = Guard | tuple[Guard, ...]
Row: TypeAlias = (
    tuple[str, Source, str, str, str, frozenset[str]]
    | tuple[str, Source, str, str, str, frozenset[str], str | None]
    | tuple[str, Source, str, str, str, frozenset[str], str | None, Data | None]
    | tuple[str, Source, str, str, str, frozenset[str], str | None, Data | None, Guards]
)
ROW_SHAPE = "(trigger, from, to, 中文, English, who[, min level[, data[, guards]]])"


def edge(
    trigger: str,
    source: Source,
    dest: str,
    label_zh: str,
    label_en: str,
    who: frozenset[str],
    min_level: str | None = None,
    data: Data | None = None,
    guards: Guards = (),
) -> Transition:
    """One row of a transition table as a :class:`Transition`.

    Checks the shape of each column; whether states, roles and levels exist is checked by
    :class:`Workflow` once the whole table is known.
    """
    sources = (source,) if isinstance(source, str) else source
    guard_tuple = (guards,) if isinstance(guards, Guard) else guards
    checks = {
        "trigger must be a str": isinstance(trigger, str),
        "from must be a state or a tuple of states": isinstance(sources, tuple)
        and all(isinstance(s, str) for s in sources),
        "to must be a state": isinstance(dest, str),
        "labels must be str": isinstance(label_zh, str) and isinstance(label_en, str),
        "who must be a frozenset of roles (see roles())": isinstance(who, frozenset),
        "min level must be a level or None": min_level is None or isinstance(min_level, str),
        "data must be data(...) or None": data is None or isinstance(data, Data),
        "guards must be a Guard or a tuple of them": isinstance(guard_tuple, tuple)
        and all(isinstance(g, Guard) for g in guard_tuple),
    }
    problems = [message for message, ok in checks.items() if not ok]
    if problems:
        raise WorkflowDefinitionError(f"edge {trigger!r}: " + "; ".join(problems))
    keys = data if data is not None else Data()
    return Transition(
        trigger,
        sources,
        dest,
        label_zh,
        label_en,
        who,
        min_level=min_level,
        guards=guard_tuple,
        fields=keys.fields,
    )


def edges(*rows: Row) -> list[Transition]:
    """A workflow's transitions from a table of rows shaped like :data:`ROW_SHAPE`."""
    transitions = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, tuple) or not 6 <= len(row) <= 9:
            size = f"{len(row)} columns" if isinstance(row, tuple) else type(row).__name__
            raise WorkflowDefinitionError(
                f"transition row {n} {row!r}: expected {ROW_SHAPE}, got {size}"
            )
        transitions.append(edge(*row))
    return transitions


# -- shared guard helpers -------------------------------------------------------------------


def as_decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def decided_above(transitions: Iterable[Transition], *triggers: str) -> list[Transition]:
    """``transitions`` with ``triggers`` marked as decided from a unit above the case's owner."""
    out = [replace(t, by_unit_above=True) if t.trigger in triggers else t for t in transitions]
    missing = set(triggers) - {t.trigger for t in out}
    if missing:
        raise WorkflowDefinitionError(f"decided_above: no trigger {sorted(missing)}")
    return out


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date ``years`` later, as a period counted in years ends (民法典 第二百零二条:
    到期月的对应日; without one, the last day of that month: 29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _received_in_time(ctx: GuardContext) -> bool:
    day = as_date(ctx.get("received_on"))
    called = ctx.get("called_on")
    return day <= ctx.today and (not called or day >= as_date(called))


RECEIVED_IN_TIME = Guard(
    name="received_on_plausible",
    reason_zh="收到申请之日不能晚于今天，也不能早于来电登记之日",
    reason_en="the date the application was received must not be in the future or before the "
    "call that reported the matter",
    predicate=_received_in_time,
)


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


CASE_HANDLERS = roles("caseworker", "supervisor")
