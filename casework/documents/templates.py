"""Document templates: files, built in or an administrator's, rendered in a Jinja2 sandbox.

Each kind has a body template ``<kind>.txt`` (plain text: one paragraph a line; "一、" and "（一）"
lines are headings) in ``casework/documents/templates/``; the PDF's page is ``_layout.html``
(HTML + CSS, autoescaped). An administrator overrides any of them without code by pointing
``CASEWORK_DOCUMENT_TEMPLATES`` at a directory: ``<dir>/<unit code>/<name>`` wins for documents
issued by that unit, then ``<dir>/<name>`` for all, then the built-in file.

Templates run in a :class:`~jinja2.sandbox.SandboxedEnvironment` with undefined names as errors:
a broken override (bad syntax, an unknown variable, an unsafe attribute) raises
:class:`TemplateBroken` naming the file and the line, never a server error. The variables a body
template gets are listed in ``docs/api.md`` (Documents → Templates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from casework.core.errors import TemplateBroken
from casework.documents.content import cn_date

BUILT_IN = Path(__file__).parent / "templates"
LAYOUT = "_layout.html"
# A unit's own directory is used only when its code is a plain name (no path tricks).
SAFE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _cn_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return cn_date(value)
    if isinstance(value, str):
        try:
            return cn_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)


def _yuan(value: Any) -> str:
    """人民币12,345.00元."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "" if value is None else str(value)
    return f"人民币{amount:,.2f}元"


def _environment(autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["cn_date"] = _cn_date
    env.filters["yuan"] = _yuan
    return env


_TEXT_ENV = _environment(autoescape=False)
_HTML_ENV = _environment(autoescape=True)


def locate(name: str, unit_code: str, override_dir: Path | None) -> tuple[Path, str]:
    """The file that renders ``name`` for a document of ``unit_code``, and how to call it in an
    error (relative to its directory, so a message never shows a server's paths)."""
    if override_dir is not None:
        if SAFE_CODE.match(unit_code or ""):
            own = override_dir / unit_code / name
            if own.is_file():
                return own, f"{unit_code}/{name}"
        shared = override_dir / name
        if shared.is_file():
            return shared, name
    return BUILT_IN / name, f"built-in {name}"


def _render(env: SandboxedEnvironment, path: Path, label: str, context: Mapping[str, Any]) -> str:
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateBroken(label, "文件不存在") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateBroken(label, f"无法读取（须为UTF-8文本）: {type(exc).__name__}") from None
    try:
        return env.from_string(source).render(**context)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise TemplateBroken(label, f"{type(exc).__name__}: {exc.message or exc}", line) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise TemplateBroken(label, f"{type(exc).__name__}: {exc}") from None


def render_body(
    kind: str, unit_code: str, context: Mapping[str, Any], override_dir: Path | None
) -> str:
    """The 正文 of a ``kind`` document from its template: one paragraph a line."""
    path, label = locate(f"{kind}.txt", unit_code, override_dir)
    return _render(_TEXT_ENV, path, label, context)


def render_layout(unit_code: str, context: Mapping[str, Any], override_dir: Path | None) -> str:
    """The PDF's HTML page (autoescaped)."""
    path, label = locate(LAYOUT, unit_code, override_dir)
    return _render(_HTML_ENV, path, label, context)
