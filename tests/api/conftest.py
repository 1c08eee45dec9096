"""API-tier fixtures: every response a view dumps is checked against its schema, both ways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import Schema, fields

from api.schemas import ProblemSchema

# Schemas whose dumped dicts were seen, for the coverage test.
SEEN: set[str] = set()


def schema_mismatches(schema: Schema, obj: Any, where: str = "") -> list[str]:
    """Keys a view returned that its schema lacks (dropped silently) and fields the schema
    declares that the view did not return (missing from the answer), recursively."""
    if schema.many and isinstance(obj, list):
        single = type(schema)()
        return [
            m
            for i, item in enumerate(obj)
            for m in schema_mismatches(single, item, f"{where}[{i}]")
        ]
    if not isinstance(obj, dict):
        return []
    SEEN.add(type(schema).__name__)
    declared = {(f.attribute or name): f for name, f in schema.fields.items() if not f.load_only}
    out = []
    name = type(schema).__name__
    for key in sorted(set(obj) - set(declared)):
        out.append(f"{name}{where}: the view returns {key!r}, the schema drops it")
    for key in sorted(set(declared) - set(obj)):
        out.append(f"{name}{where}: the schema declares {key!r}, the view does not return it")
    for key, f in declared.items():
        value = obj.get(key)
        if value is None:
            continue
        inner = f.inner if isinstance(f, fields.List) else f
        if isinstance(inner, fields.Nested):
            nested = inner.schema
            if isinstance(f, fields.List):
                for i, item in enumerate(value):
                    out += schema_mismatches(type(nested)(), item, f"{where}.{key}[{i}]")
            else:
                out += schema_mismatches(nested, value, f"{where}.{key}")
    return out


@pytest.fixture(autouse=True)
def strict_response_schemas(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make a dump fail when the view's keys and the schema's fields differ (the API's
    marshmallow would otherwise drop an undeclared key without a word)."""
    original = Schema.dump

    def dump(self: Schema, obj: Any, *, many: bool | None = None) -> Any:
        if not isinstance(self, ProblemSchema):
            problems = schema_mismatches(type(self)(many=bool(many or self.many)), obj)
            assert not problems, problems
        return original(self, obj, many=many)

    monkeypatch.setattr(Schema, "dump", dump)
    yield
