"""Choosing the article block: widening readability's block to the page's marked article container."""

from __future__ import annotations

import copy

import lxml.html
import pytest

import reader.extract.pipeline as extract_module
from reader.extract.pipeline import extract
from reader.extract.widen import widen

SENTENCE = (
    "The council met on Tuesday evening to discuss the new budget for the coming year, and the debate, "
    "which ran for several hours, touched on roads, schools, parks and the library."
)
CAPTION = "Council members vote on the budget in the town hall on Tuesday evening."
BIO = "Jane Doe has covered the city council for the Gazette since 2015, after ten years in sports."


def _page(container: str = "article") -> str:
    paragraphs = "".join(
        f"<p>{SENTENCE} Paragraph {i} adds detail, quotes and context.</p>" for i in range(8)
    )
    return f"""<html><head><title>Council passes budget</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<{container}>
<h1>Council passes the budget after a long night</h1>
<div class="slideshow"><div class="frame"><img src="/a.jpg"></div>
<div class="caption-box"><p class="desc">{CAPTION}</p></div></div>
<div class="story">{paragraphs}</div>
<div class="about"><p>{BIO}</p></div>
</{container}>
<aside><a href="/x">Most read</a></aside></body></html>"""


def test_caption_inside_the_article_container_is_added() -> None:
    text = extract(_page(), None).text
    assert CAPTION in text
    assert text.index(CAPTION) < text.index(SENTENCE)  # in page order: the slideshow comes first
    assert text.count(SENTENCE) == 8  # nothing readability kept is lost or doubled


def test_widening_adds_no_headline_or_trailing_bio() -> None:
    text = extract(_page(), None).text
    assert "after a long night" not in text  # the headline is shown as the title
    assert BIO not in text  # past the story's end: bylines, bios, promos


def test_without_a_marked_container_the_block_stays_readabilitys() -> None:
    text = extract(_page(container="div"), None).text
    assert CAPTION not in text
    assert text.count(SENTENCE) == 8


def test_the_caption_comes_from_widening(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract_module, "widen", lambda summary, page: 0)
    assert CAPTION not in extract(_page(), None).text


def test_a_container_much_larger_than_the_block_is_not_used() -> None:
    # An <article> holding a long list of teasers before a short story: a page section, not one article.
    teasers = "".join(
        f"<div><p>Teaser {i}: {SENTENCE}</p><p>More of teaser {i}.</p></div>" for i in range(40)
    )
    page = lxml.html.document_fromstring(_page().replace("<article>", f"<article>{teasers}"))
    for number, el in enumerate(page.iter()):
        el.set("x", str(number))
    story = page.find(".//div[@class='story']")
    assert story is not None
    summary = lxml.html.fragment_fromstring("<div></div>")
    summary.append(copy.deepcopy(story))
    assert widen(summary, page) == 0
    assert "Teaser" not in summary.text_content()
    # The same story in an article of its own is widened (with the slideshow caption).
    own = lxml.html.document_fromstring(_page())
    for number, el in enumerate(own.iter()):
        el.set("x", str(number))
    story = own.find(".//div[@class='story']")
    assert story is not None
    summary = lxml.html.fragment_fromstring("<div></div>")
    summary.append(copy.deepcopy(story))
    assert widen(summary, own) >= 1
    assert CAPTION in summary.text_content()


def test_link_heading_between_kept_paragraphs_is_restored() -> None:
    sections = "".join(
        f'<h3><a href="/game-{i}">Game number {i} ($30)</a></h3><p>{SENTENCE} Review {i}, with a verdict.</p>'
        for i in range(6)
    )
    html = f"<html><body><div class='list'>{sections}</div><div class='side'><a href='/'>x</a></div></body></html>"
    text = extract(html, None).text
    for i in range(1, 6):
        assert f"Game number {i} ($30)" in text
