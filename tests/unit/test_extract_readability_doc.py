"""Our faster overrides of readability-lxml internals give readability's own answers."""

from __future__ import annotations

import random
import re

import lxml.html
from readability import Document
from readability.readability import REGEXES

from reader.extract.readability_doc import (
    TaggedDocument,
    _clean,
    _readability_clean,
    _unlikely_words,
)

WORDS = re.compile(r"[a-z-]+(?:\|[a-z-]+)*")


def test_the_unlikely_patterns_are_plain_lists_of_lower_case_words() -> None:
    # _unlikely_words matches them without IGNORECASE in lowered text: only right for such patterns.
    for name in ("unlikelyCandidatesRe", "okMaybeItsACandidateRe"):
        assert WORDS.fullmatch(REGEXES[name].pattern), name


def test_unlikely_words_agree_with_readability_ignoring_case() -> None:
    values = [
        "",
        "sidebar",
        "SideBar-Widget",
        "main-Sidebar",
        "ad-break",
        "AD-BREAK",
        "comment-list",
        "\u017fidebar",  # long s: the same letter as s when case is ignored
        "s\u0131debar",  # dotless i
        "s\u0130debar",  # dotted capital I
        "\u212aombx",  # Kelvin sign
        "Twitter-Embed article",
        "story-body",
    ]
    for value in values:
        want = (
            REGEXES["unlikelyCandidatesRe"].search(value) is not None,
            REGEXES["okMaybeItsACandidateRe"].search(value) is not None,
        )
        assert _unlikely_words(value) == want, value


def test_the_summary_is_readability_s_own() -> None:
    html = (
        "<html><body><div class='header'>Site menu</div><div id='sidebar'>Links</div>"
        "<div class='story-body'><p>" + "The council met on Tuesday evening, and it ran late. " * 8 + "</p>"
        "<p class='ſidebar'>" + "A second paragraph of the story, with more words in it. " * 5 + "</p></div>"
        "<div class='comment-list'><p>First!</p></div></body></html>"
    )
    page = lxml.html.document_fromstring(html)
    ours = TaggedDocument(page).summary(html_partial=True)
    theirs = Document(html).summary(html_partial=True)
    assert ours == theirs
    assert "council met" in ours and "Site menu" not in ours


def test_hidden_elements_are_found_as_by_testing_every_element() -> None:
    html = (
        "<html><body><p class='Visually-Hidden'>a</p><p class='x SR-ONLY'>b</p><p style='display:none'>c</p>"
        "<p hidden>d</p><p class='hiddenness'>e</p><p class='shown'>f</p><p class='d-none\u00a0y'>g</p>"
        "<p class='\u212aidden'>h</p><p>" + "Words of the story, many of them. " * 10 + "</p></body></html>"
    )
    page = lxml.html.document_fromstring(html)
    doc = TaggedDocument(page)
    kept = doc._parse(page)
    assert [p.text for p in kept.iter("p")] == ["e", "f", "h", "Words of the story, many of them. " * 10]


def test_the_faster_clean_gives_readability_s() -> None:
    rnd = random.Random(5)
    pieces = ["a", "word", ",", " ", "  ", "\n", "\t", "\r", "\u00a0", "\u2009", "\x1c", "\u3000", "\n" * 3]
    pieces += [" " * 254, " " * 255, " " * 300, " \u00a0" * 130]
    for _ in range(20_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 10)))
        assert _clean(text) == _readability_clean(text), repr(text)


def test_preserved_elements_are_readability_s() -> None:
    html = (
        "<html><body><div id='a'><div id='lead'><div id='inner'>He put it to the council in these words:</div>"
        "</div><div id='q'><blockquote>We will not pay.</blockquote></div><section id='s'><div id='d'>x</div>"
        "</section><div id='short'>Said:</div><div><blockquote>No.</blockquote></div>"
        "<h2>Table of contents</h2><ul id='toc'><li>One</li></ul></div></body></html>"
    )
    node = lxml.html.document_fromstring(html).find("body")
    doc = TaggedDocument(node)
    ours = {el.get("id") for el in doc.get_preserved_elements(node)}
    theirs = {el.get("id") for el in Document.get_preserved_elements(doc, node)}
    assert ours == theirs == {"lead", "inner", "toc"}


def test_class_weights_are_readability_s() -> None:
    html = (
        "<html><body><div class='article-body' id='comments'>a</div><div class='sidebar widget'>b</div>"
        "<div id='main'>c</div><div class=''>d</div><div>e</div><div class='article-body'>f</div></body></html>"
    )
    body = lxml.html.document_fromstring(html).find("body")
    doc = TaggedDocument(body)
    for el in body:
        assert doc.class_weight(el) == Document.class_weight(doc, el), el.text
    assert [doc.class_weight(el) for el in body] == [0, -25, 25, 0, 0, 25]
