"""parse_page's faster helpers give what the plain ones give."""

from __future__ import annotations

import random

from lxml import etree

from reader.extract.prepare import (
    _NOT_XML_TEXT,
    MAX_ELEMENTS,
    MAX_TEXT_CHARS,
    PARSER_DEPTH,
    _depth_limit_hit,
    _parse,
    _xml_text_bytes,
    cap_tree,
)


def test_control_characters_go_as_the_pattern_removes_them() -> None:
    rnd = random.Random(3)
    alphabet = ["a", "é", "\x00", "\x01", "\t", "\n", "\r", "\x0b", "\x1f", "\x7f", "\ufffe", "\uffff"]
    alphabet += ["\ufffd", "\ud800", "😀", "\uffef", "\ufeff", "\u0fbe"]
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert _xml_text_bytes(text) == _NOT_XML_TEXT.sub("", text).encode("utf-8", "replace"), repr(text)


def _walked_depth(root: etree._Element) -> int:
    depth = deepest = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def test_the_depth_limit_is_found_at_the_parser_s_limit() -> None:
    for levels in (10, PARSER_DEPTH - 10, PARSER_DEPTH - 4, PARSER_DEPTH - 3, PARSER_DEPTH, 3 * PARSER_DEPTH):
        root = _parse(
            ("<html><body>" + "<div>" * levels + "x" + "</div>" * levels + "</body></html>").encode()
        )
        assert root is not None
        assert _depth_limit_hit(root) == (_walked_depth(root) >= PARSER_DEPTH - 1), levels


def test_a_page_within_the_limits_is_not_cut_and_one_past_them_is() -> None:
    small = _parse(b"<html><body><p>one</p><p>two</p></body></html>")
    assert small is not None
    assert cap_tree(small, MAX_ELEMENTS, MAX_TEXT_CHARS) is False
    assert cap_tree(small, 4, MAX_TEXT_CHARS) is False  # html, body, p, p: four elements are allowed
    assert cap_tree(small, 3, MAX_TEXT_CHARS) is True  # ... and the fourth goes when three are
    assert [p.text for p in small.iter("p")] == ["one"]
    wordy = _parse(b"<html><body><p>abcdef</p><p>ghi</p></body></html>")
    assert wordy is not None
    assert cap_tree(wordy, MAX_ELEMENTS, 8) is True
    assert [p.text for p in wordy.iter("p")] == ["abcdef", "gh"]
