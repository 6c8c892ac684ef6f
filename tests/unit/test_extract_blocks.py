"""The block scorer's parts: cutting a page into blocks, features, the shipped weights, rebuilding the tree."""

from __future__ import annotations

import hashlib

import lxml.html

from reader.extract import weights
from reader.extract.analyse import analyse, number_elements
from reader.extract.assemble import assemble
from reader.extract.blocks import (
    _RULE0,
    DENSE,
    FEATURE_NAMES,
    RULE_KEYWORDS,
    TEXT_RULES,
    _rule_hits,
    page_blocks,
)
from reader.extract.markdown import render
from reader.extract.meta import Meta, json_ld_blocks, page_meta
from reader.extract.pipeline import EXTRACTOR_VERSION
from reader.extract.score import SECOND_STAGE_EXTRA, choose, predict

SENTENCE = "The council met on Tuesday evening to discuss the budget for the coming year, and it ran late."


def _page(body: str) -> lxml.html.HtmlElement:
    page = lxml.html.document_fromstring(f"<html><head><title>T</title></head><body>{body}</body></html>")
    number_elements(page)
    return page


def test_every_word_belongs_to_one_block() -> None:
    page = _page(
        "<div>Loose words <a href='/x'>a link</a><p>First <em>para</em>graph.</p>tail words"
        "<ul><li>one</li><li>two <b>bold</b></li></ul></div>"
    )
    blocks = page_blocks(page.find("body"))
    assert [b.text for b in blocks] == [
        "Loose words a link tail words",
        "First paragraph.",
        "one",
        "two bold",
    ]
    loose = blocks[0]
    assert loose.tag == "div" and loose.link_chars == len("a link")


def test_an_unclosed_button_does_not_hide_the_page() -> None:
    # A real page (wcxb dev-4007) opens a <button> that the parser never closes: the story sits inside it.
    page = _page(f"<header><button>Menu<div><p>{SENTENCE}</p></div></button></header>")
    assert SENTENCE in [b.text for b in page_blocks(page.find("body"))]


def test_hidden_blocks_are_marked() -> None:
    page = _page(f'<p>{SENTENCE}</p><ul class="hidden"><li>Politics</li></ul><p style="display:none">x</p>')
    hidden = {b.text: b.hidden for b in page_blocks(page.find("body"))}
    assert hidden == {SENTENCE: False, "Politics": True, "x": True}


def test_features_have_the_shipped_weights_shape() -> None:
    assert len(weights.STAGE1) == len(FEATURE_NAMES) == weights.FEATURES
    assert len(weights.STAGE2) in (0, len(FEATURE_NAMES) + SECOND_STAGE_EXTRA)  # empty: trees alone
    page = _page(f"<article><h1>T</h1><p>{SENTENCE}</p></article><footer>© 2024</footer>")
    blocks = analyse(page, Meta(title="T", byline=None, published=None, site_name=None))
    assert all(len(b.features) == len(FEATURE_NAMES) for b in blocks)
    one_hot = [i for b in blocks for i in b.active]
    assert one_hot and min(one_hot) >= DENSE
    assert EXTRACTOR_VERSION == "10"


def test_zero_weights_score_one_half() -> None:
    zero = [0.0] * len(FEATURE_NAMES)
    probs = predict([[1.0] * DENSE], [[DENSE]], zero, [*zero, *[0.0] * SECOND_STAGE_EXTRA])
    assert probs == [0.5]


def test_json_ld_article_body_is_read() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "H", '
        f'"articleBody": "{SENTENCE}"}}</script></head><body><p>{SENTENCE}</p></body></html>'
    )
    page = lxml.html.document_fromstring(html)
    meta = page_meta(page, json_ld_blocks(html))
    assert meta.article_body == SENTENCE
    blocks = analyse(page, meta)
    share = FEATURE_NAMES.index("json_ld_share")
    assert [b.features[share] for b in blocks] == [1.0]


def test_assemble_keeps_chosen_blocks_in_their_structure() -> None:
    page = _page(
        f"<main><nav><a href='/'>Home</a></nav><p>{SENTENCE}</p><div class='box'>Box text<p>Kept inside.</p>"
        "</div><ul><li>First item</li><li>Second item</li></ul><aside>Related</aside></main>"
    )
    blocks = page_blocks(page.find("body"))
    chosen = [b for b in blocks if b.text in (SENTENCE, "Kept inside.", "First item", "Second item")]
    root = assemble(blocks, chosen)
    text = render(root).text
    assert SENTENCE in text and "Kept inside." in text and "- First item" in render(root).markdown
    for gone in ("Home", "Box text", "Related"):
        assert gone not in text
    assert page.find(".//aside") is not None  # the page itself is not changed


def test_a_thin_choice_falls_back_to_the_article_body_container() -> None:
    # A story that is all short list lines (a winners list) scores low block by block: when the choice is
    # thin, the page's own article-body container is taken instead, if it holds enough words.
    words = [8, 30, *[2] * 40, 12]
    texts = ["Menu", "Standfirst", *[f"Name {i}" for i in range(40)], "Related stories"]
    probs = [0.1, 0.9, *[0.2] * 40, 0.1]
    containers = [0, 1, *[2] * 40, 1]
    none = [False] * len(words)
    plain = choose(probs, words, none, none, texts)
    assert plain == [1]
    with_containers = choose(probs, words, none, none, texts, containers=containers)
    assert with_containers == list(range(2, 42))
    # A container holding fewer than MIN_WORDS words is not taken.
    small = choose(probs, [8, 30, *[1] * 40, 12], none, none, texts, containers=[0, 0, *[2] * 40, 0])
    assert small == [1]


def test_a_few_blocks_of_a_story_readability_holds_give_way_to_its_block() -> None:
    # A live blog whose updates score just under the threshold: the few blocks over it (80 words) are a small
    # part of readability-lxml's block (2,000 words), which is taken instead; a choice that is most of it stays.
    words = [20, 60, *[50] * 38, 10]
    texts = ["Menu", "Key points", *[f"Update {i}" for i in range(38)], "Footer"]
    probs = [0.1, 0.9, 0.6, *[0.4] * 37, 0.1]
    kept = [False, True, *[True] * 38, False]
    none = [False] * len(words)
    assert choose(probs, words, none, kept, texts) == list(range(1, 40))
    most = [0.1, 0.9, *[0.6] * 30, *[0.4] * 8, 0.1]
    assert choose(most, words, none, kept, texts) == list(range(1, 32))


def test_rule_keywords_were_written_for_these_patterns() -> None:
    """blocks.RULE_KEYWORDS lists words every match of a rule holds: a changed pattern needs them checked."""
    pinned = {"prompt": "2891a9701b312eac", "credit": "5d3fdc35ff3251ec", "notice": "757e21da397d7978"}
    patterns = dict(TEXT_RULES)
    assert set(RULE_KEYWORDS) == set(pinned)
    for name, digest in pinned.items():
        got = hashlib.sha256(patterns[name].pattern.encode()).hexdigest()[:16]
        assert got == digest, f"{name} changed: check blocks.RULE_KEYWORDS[{name!r}], then update this digest"


def test_rule_keywords_give_the_same_hits_as_the_patterns() -> None:
    texts = [
        "Photo: AP",
        "PHOTOGRAPH BY JANE DOE / REUTERS",
        "© 2024 The Paper",
        "Please DISABLE your AdBlocker to continue.",
        "Subscribe to our newsletter for more",
        "Follow Jane on BlueSky",
        "Sign up for the morning briefing",
        # Case-insensitive matching takes ſ for s and ı for i: such texts are searched in full.
        "Pleaſe diſable your ad blocker",
        "Sıgn up for the newsletter",
        "The council met on Tuesday.",
        "Credits roll at the end of the film, as the source said.",
    ]
    for text in texts:
        want = [_RULE0 + j for j, (_, rule) in enumerate(TEXT_RULES) if rule.search(text)]
        assert _rule_hits(text) == want, text
    assert _rule_hits("Pleaſe diſable your ad blocker") != []
