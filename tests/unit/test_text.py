"""normalise_name: look-alike employer and person names compare equal (hardening item 10)."""

from __future__ import annotations

import pytest

from casework.core.text import normalise_name

BUILDER = "广州市某建筑劳务有限公司"


@pytest.mark.parametrize(
    "written",
    [
        BUILDER,
        BUILDER + "\u200b",  # zero-width space
        "\u200b" + BUILDER,
        BUILDER.replace("劳务", "劳\u200c务"),  # zero-width non-joiner
        BUILDER.replace("劳务", "劳\u200d务"),  # zero-width joiner
        BUILDER + "\u2060",  # word joiner
        "\ufeff" + BUILDER,  # byte order mark
        BUILDER.replace("有限", "有\u00ad限"),  # soft hyphen
        "\u202e" + BUILDER,  # right-to-left override
        "\u202a" + BUILDER + "\u202c",  # left-to-right embedding ... pop
        "\u2066" + BUILDER + "\u2069",  # isolates
        "\u200e" + BUILDER + "\u200f",  # LRM, RLM
        "\u061c" + BUILDER,  # Arabic letter mark
        BUILDER.replace("公司", "公\ufe0f司"),  # variation selector
        BUILDER.replace("公司", "公\u034f司"),  # combining grapheme joiner
        BUILDER.replace("公司", "公\u3164司"),  # Hangul filler
        "\u3000" + BUILDER + "\u3000",  # ideographic spaces
        " \t" + BUILDER + "\n ",
        "\u00a0" + BUILDER,  # no-break space
        BUILDER + "\x00",  # a control character
    ],
)
def test_look_alikes_become_the_same_name(written):
    assert normalise_name(written) == BUILDER


def test_nfkc_makes_full_width_and_compatibility_forms_plain():
    assert normalise_name("ＡＢＣ科技（广州）有限公司") == "ABC科技(广州)有限公司"
    assert normalise_name("第１２３号") == "第123号"
    assert normalise_name("㈱某公司") == "(株)某公司"
    # A decomposed accent is composed: the same name whichever way it was typed.
    assert normalise_name("Jose\u0301") == normalise_name("Jos\u00e9") == "Jos\u00e9"
    # A zero-width character between a letter and its accent does not keep them apart.
    assert normalise_name("Jose\u200b\u0301") == "Jos\u00e9"


def test_whitespace_inside_is_collapsed_not_removed():
    assert normalise_name("Acme   Trading\u3000\u3000Co.") == "Acme Trading Co."
    assert normalise_name("陈 \u200b 七") == "陈 七"
    assert normalise_name("a\u2028b\u2029c") == "a b c"


@pytest.mark.parametrize("nothing", ["", " ", "\u200b", "\u202e\u200d", "\u3000\ufeff", "\x00\t"])
def test_a_name_of_nothing_visible_is_empty(nothing):
    assert normalise_name(nothing) == ""


def test_ordinary_and_rare_names_are_kept():
    for name in ("陈七", "欧阳娜娜", "阿依古丽·买买提", "O'Brien", "𠀀𪚥", "\ue000某"):
        assert normalise_name(name) == name
    # A character this Python's Unicode tables do not know yet stays (no name loses a 生僻字).
    assert normalise_name("\U000323af") == "\U000323af"


def test_it_is_idempotent():
    for text in (BUILDER + "\u200b", "ＡＢＣ\u3000公司", "\u202e陈 七 "):
        once = normalise_name(text)
        assert normalise_name(once) == once
