"""The boundary where network text enters the models: no escape sequences or control characters survive."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.textsafe import clean_block, clean_text, is_safe


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),  # OSC 52 clipboard write, payload gone too
        ("a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8 hyperlink
        ("a\x1b]0;new title\x07b", "ab"),  # window title
        ("a\x1b[2J\x1b[1;1Hb", "ab"),  # clear screen, cursor move
        ("a\x9b31mb", "ab"),  # C1 CSI
        ("a\x9d0;title\x9cb", "ab"),  # C1 OSC with C1 ST
        ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),  # DCS (sixel)
        ("ab\u202eevil\u202c", "abevil"),  # bidi override
        ("z\u200bw\u200d\ufeffj", "zwj"),  # zero-width characters
        ("tab\tand\nnewline\r\n", "tab\tand\nnewline\n"),
        ("bell\x07 nul\x00 del\x7f", "bell nul del"),
    ],
)
def test_clean_block(raw: str, expected: str) -> None:
    assert clean_block(raw) == expected


def test_a_lone_c1_byte_does_not_eat_the_rest_of_the_text() -> None:
    text = "caf\x9d mis-decoded text " + "and a long story. " * 500
    out = clean_block(text)
    assert out.startswith("caf mis-decoded text") and out.endswith("long story. ")
    unterminated = "x\x1b]52;c;" + "A" * 10 + " rest of the title"
    assert clean_block(unterminated) == "x52;c;AAAAAAAAAA rest of the title"


def test_clean_text_folds_whitespace_and_caps_length() -> None:
    assert clean_text("  a \n\t b  ") == "a b"
    long = clean_text("x" * 5_000_000, limit=1000)
    assert len(long) == 1000 and long.endswith("…")


@given(st.text())
def test_output_is_always_safe(text: str) -> None:
    out = clean_block(text)
    assert is_safe(out)
    assert "\x1b" not in out and not any("\x80" <= c <= "\x9f" for c in out)
    assert is_safe(clean_text(text))


def test_zero_width_joiner_stays_inside_emoji_sequences_only() -> None:
    assert clean_block("dev 👩\u200d💻 and ❤️\u200d🔥") == "dev 👩\u200d💻 and ❤️\u200d🔥"
    assert clean_block("a\u200db \u200d👩 👩\u200d") == "ab 👩 👩"


def test_piles_of_combining_marks_go_and_real_diacritics_stay() -> None:
    zalgo = "".join(c + "\u0301\u0315\u0340" * 80 + "\u200b" for c in "Readable words")
    assert clean_text("\u202e" + zalgo + "\u2066 tail \u2069", 300) == "Readable words tail"
    assert (
        clean_text("Vie\u0323\u0302t Nam, caf\u00e9, e\u0301", 100)
        == "Vie\u0323\u0302t Nam, caf\u00e9, e\u0301"
    )
    assert clean_text("\u0301\u0301start \u0300word", 100) == "start word"
    assert clean_text("hangul\u3164filler\u115f tag\U000e0041s", 100) == "hangulfiller tags"


@given(
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=300),
    st.sampled_from([None, 1, 5, 40]),
)
def test_the_ascii_shortcut_gives_what_the_regexes_give(text: str, limit: int | None) -> None:
    # Plain printable ASCII skips the regexes (most titles, links and search text): same result either way.
    from reader.textsafe import _clean_line, _line_breaks

    expected = _clean_line(text, limit)
    if limit is not None and len(expected) > limit:
        expected = expected[: limit - 1].rstrip() + "…"
    assert clean_text(text, limit) == expected
    assert is_safe(text) == (clean_block(text) == _line_breaks().sub("\n", text))
