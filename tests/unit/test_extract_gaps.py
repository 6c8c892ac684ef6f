"""Putting back what readability dropped from inside the story: table parts, section titles, short lines,
lists of linked statements, the boxes between kept parts; and code blocks keeping their line breaks."""

from __future__ import annotations

import copy

import lxml.html
from lxml.html import HtmlElement

from reader.extract.markdown import render
from reader.extract.pipeline import extract
from reader.extract.restore import restore
from reader.extract.widen import widen

SENTENCE = (
    "The council met on Tuesday evening to discuss the new budget for the coming year, and the debate, "
    "which ran for several hours, touched on roads, schools, parks and the library."
)


def _numbered(html: str) -> HtmlElement:
    """A page whose elements carry their document-order number in `x`, as `_main_block` sets it."""
    page = lxml.html.document_fromstring(html)
    for number, el in enumerate(page.iter()):
        el.set("x", str(number))
    return page


def _summary(*kept: HtmlElement) -> HtmlElement:
    """readability's block: a wrapper around copies of the kept elements."""
    summary = lxml.html.fragment_fromstring("<div></div>")
    for el in kept:
        clone = copy.deepcopy(el)
        clone.tail = None
        summary.append(clone)
    return summary


def _one(page: HtmlElement, xpath: str) -> HtmlElement:
    found = page.xpath(xpath)
    assert isinstance(found, list) and found and isinstance(found[0], HtmlElement)
    return found[0]


def test_dropped_table_caption_and_header_row_are_restored() -> None:
    rows = "".join(f"<tr><td>Film {i}</td><td>19{i}0</td><td>{SENTENCE}</td></tr>" for i in range(4))
    page = _numbered(
        "<html><body><table><caption>Films with time loops</caption>"
        f"<thead><tr><th>Film</th><th>Year</th><th>Plot</th></tr></thead><tbody>{rows}</tbody>"
        "</table></body></html>"
    )
    table = copy.deepcopy(_one(page, "//table"))
    for part in table.xpath("caption|thead"):
        table.remove(part)
    summary = _summary(table)
    restore(summary, page)
    text = summary.text_content()
    assert "Films with time loops" in text
    assert text.index("Plot") < text.index("Film 0")


def test_heading_linking_to_its_own_place_in_the_page_is_restored() -> None:
    page = _numbered(
        '<html><body><div class="section"><h2><a href="#toc-3">Setting up the repository</a>'
        f'<a href="#setting-up">¶</a></h2><p>{SENTENCE}</p><p>{SENTENCE} Again.</p></div></body></html>'
    )
    section = copy.deepcopy(_one(page, "//div"))
    section.remove(section.find("h2"))
    summary = _summary(section)
    restore(summary, page)
    assert "Setting up the repository" in summary.text_content()


def test_heading_linking_elsewhere_at_a_box_start_stays_out() -> None:
    page = _numbered(
        '<html><body><div class="card"><h2><a href="https://e.org/other">Another story entirely</a></h2>'
        f"<p>{SENTENCE}</p><p>{SENTENCE} Again.</p></div></body></html>"
    )
    card = copy.deepcopy(_one(page, "//div"))
    card.remove(card.find("h2"))
    summary = _summary(card)
    restore(summary, page)
    assert "Another story entirely" not in summary.text_content()


def test_list_of_statements_linking_their_sources_is_restored() -> None:
    items = "".join(
        f'<li>Ana <a href="https://bugs.e.org/{i}">fixed a crash in the long feed parser</a> on Monday '
        "after review</li>"
        for i in range(3)
    )
    teasers = "".join(
        f'<li><a href="/s/{i}">Another headline about the budget vote {i}</a></li>' for i in range(3)
    )
    page = _numbered(
        f"<html><body><div><p>{SENTENCE}</p><ul>{items}</ul><p>{SENTENCE} More.</p><ul>{teasers}</ul>"
        f"<p>{SENTENCE} End.</p></div></body></html>"
    )
    box = copy.deepcopy(_one(page, "//div"))
    for ul in box.findall("ul"):
        box.remove(ul)
    summary = _summary(box)
    restore(summary, page)
    text = summary.text_content()
    assert text.count("fixed a crash in the long feed parser") == 3
    assert "Another headline" not in text  # links with a label: a list of teasers


def test_box_around_a_byline_is_not_restored_as_prose() -> None:
    bio = "By Jane Doe, a reporter who has covered the city council and its budget for ten years now."
    page = _numbered(
        f'<html><body><div><div class="wrap"><p class="byline">{bio}</p></div><p>{SENTENCE}</p>'
        f"<p>{SENTENCE} Again.</p></div></body></html>"
    )
    box = copy.deepcopy(_one(page, "/html/body/div"))
    box.remove(box.find("div"))
    summary = _summary(box)
    restore(summary, page)
    assert "Jane Doe" not in summary.text_content()


def test_short_line_shaped_like_the_kept_paragraphs_is_restored() -> None:
    def para(text: str) -> str:
        return f'<div style="margin: 1em 0"><div dir="ltr"><span>{text}</span></div></div>'

    story = "".join(para(f"{SENTENCE} Part {i}.") + para("They both took one.") for i in range(8))
    html = (
        "<html><head><title>A chapter</title></head><body>"
        f'<div class="chapter">{story}{para(SENTENCE)}</div>'
        "<div class='side'><a href='/'>Home</a></div></body></html>"
    )
    text = extract(html, None).text
    assert text.count("They both took one.") == 8
    assert text.index("They both took one.") > text.index("Part 0.")


def test_section_title_in_a_box_of_its_own_is_restored() -> None:
    body = "".join(
        f'<div class="section col"><div class="sec"><h2>Chapter title {i}</h2></div></div>'
        f'<div class="text col"><p>{SENTENCE} Section {i}, first.</p><p>{SENTENCE} Section {i}, second.</p></div>'
        for i in range(6)
    )
    html = f"<html><head><title>A post</title></head><body><div class='grid'>{body}</div></body></html>"
    text = extract(html, None).text
    for i in range(1, 6):
        assert f"Chapter title {i}" in text
        assert text.index(f"Chapter title {i}") < text.index(f"Section {i}, first")


def test_gaps_between_kept_boxes_are_filled_without_captions() -> None:
    page = _numbered(
        "<html><body><div class='main'>"
        f"<div class='step'><div class='content'><p>{SENTENCE} Intro.</p></div></div>"
        "<div class='step'><div class='content'><span>You will need:</span>"
        "<ul><li>A glass cloche</li><li>Floral foam</li><li>Moss and small plants</li></ul></div></div>"
        f"<div class='step'><div class='content'><p>{SENTENCE} Step one.</p></div>"
        "<figure><img src='a.jpg'><figcaption>Moss on the foam (Photo: Lucy)</figcaption></figure></div>"
        f"<div class='step'><div class='content'><p>{SENTENCE} Step two.</p></div></div>"
        "</div></body></html>"
    )
    contents = page.xpath("//div[@class='content']")
    assert isinstance(contents, list)
    first = copy.deepcopy(contents[0])
    for other in (contents[2], contents[3]):  # readability nests the siblings it keeps in its best element
        clone = copy.deepcopy(other)
        clone.tail = None
        first.append(clone)
    summary = _summary(first)
    assert widen(summary, page) >= 1
    text = " ".join(summary.text_content().split())
    assert "A glass cloche" in text
    assert text.index("Intro.") < text.index("A glass cloche") < text.index("Step one.")
    assert "Moss on the foam" not in text  # a caption between the kept boxes stays out
    assert text.count("Step two.") == 1


def test_code_block_keeps_its_line_breaks() -> None:
    root = lxml.html.fragment_fromstring(
        "<div><pre><code>KEEPALIVE<br><span>int</span> add(int x)<br>{<br>}</code></pre>"
        "<pre><div>first line</div><div>second <b>line</b></div></pre></div>"
    )
    rendered = render(root, None)
    assert "KEEPALIVE\nint add(int x)\n{\n}" in rendered.text
    assert "first line\nsecond line" in rendered.markdown
