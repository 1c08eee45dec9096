"""Names as people and registers write them, so that look-alikes compare equal (pure).

``广州市某建筑劳务有限公司`` and the same name with a zero-width space at the end (``\\u200b``),
a right-to-left override in front (``\\u202e``) or in full-width forms look the same on a
screen, but as strings they differ: an exact match misses the employer on record, a new
look-alike employer is registered at the caller's unit, and routing (服务下沉) and the
repeat-call merge are dodged. Every employer and person name is normalised before it is
validated, matched or stored.
"""

from __future__ import annotations

import unicodedata

from casework.core.errors import InvalidInput

# Characters that render as nothing but are not Unicode "format" characters (Cf): the Hangul
# fillers, the combining grapheme joiner and the variation selectors.
_INVISIBLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)
# Unicode categories dropped whatever the character: format characters (zero-width space,
# joiner and non-joiner, word joiner, BOM, soft hyphen, the bidi marks, embeddings, overrides
# and isolates) and lone surrogates. Controls (Cc) other than whitespace go as well; whitespace
# is collapsed below. Unassigned (Cn) and private-use (Co) code points stay: a rare character in
# a name (生僻字) may be newer than this Python's Unicode tables, or encoded in a private area.
_DROPPED_CATEGORIES = frozenset({"Cf", "Cs"})


def _visible(text: str) -> str:
    return "".join(
        c
        for c in text
        if ord(c) not in _INVISIBLE
        and unicodedata.category(c) not in _DROPPED_CATEGORIES
        and (unicodedata.category(c) != "Cc" or c.isspace())
    )


def normalise_name(text: str) -> str:
    """``text`` in NFKC (full-width letters and digits, the ideographic space and compatibility
    forms become their plain equivalents), without zero-width, bidi-control and other invisible
    characters, with every run of whitespace made one space and none at either end. An empty
    result means the name had nothing visible in it."""
    text = unicodedata.normalize("NFKC", _visible(text))
    return " ".join(_visible(text).split())


def valid_name(value: object, *, field: str, max_len: int) -> str:
    """``value`` normalised (:func:`normalise_name`), or :class:`InvalidInput` on ``field`` when
    nothing visible is left or it is longer than ``max_len``."""
    name = normalise_name(value) if isinstance(value, str) else ""
    if not name:
        raise InvalidInput(field, "不能为空（须含可见字符）", "must not be empty (nothing visible)")
    if len(name) > max_len:
        raise InvalidInput(field, f"不超过{max_len}字", f"at most {max_len} characters")
    return name
