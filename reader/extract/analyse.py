"""Candidates and features for one parsed page: readability-lxml's choice, the page's own containers and its
JSON-LD `articleBody`, turned into per-block features (see `blocks.py`) for the learned scorer."""

from __future__ import annotations

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from readability.readability import Unparseable

from reader.extract.blocks import Block, block_features, page_blocks
from reader.extract.meta import Meta
from reader.extract.readability_doc import TaggedDocument

__all__ = ["analyse", "number_elements", "readability_kept"]


def number_elements(page: HtmlElement) -> None:
    """Number every element in document order (attribute `x`), so readability's output maps back."""
    for number, el in enumerate(page.iter()):
        el.set("x", str(number))


class _KeptDocument(TaggedDocument):
    """readability-lxml that notes which elements its main block keeps (their `x`) instead of serialising
    the block to HTML (which we would only parse again)."""

    kept: set[str]

    def get_clean_html(self) -> str:
        node = self._html()
        self.kept = {x for el in node.iter() if (x := el.get("x")) is not None}
        text = node.text_content()
        # readability retries without its "ruthless" step when the block's HTML is shorter than
        # retry_length: the text is shorter than the HTML, so only a short text needs the real length.
        if len(text) >= self.retry_length:
            return str(text)
        return str(lxml.html.tostring(node, encoding="unicode", method="html"))


def readability_kept(page: HtmlElement) -> set[str]:
    """The `x` numbers of the elements readability-lxml keeps in its main block (empty when it fails)."""
    doc = _KeptDocument(page)
    doc.kept = set()
    try:
        summary = doc.summary(html_partial=True)
    except (Unparseable, ValueError, etree.LxmlError):
        return set()
    if not summary or not summary.strip():
        return set()
    return doc.kept


def analyse(page: HtmlElement, meta: Meta) -> list[Block]:
    """The page's blocks with their features filled in. Numbers the page's elements (attribute `x`)."""
    number_elements(page)
    kept = readability_kept(page)
    body = page.find("body")
    blocks = page_blocks(body if body is not None else page)
    block_features(blocks, title=meta.title, kept=kept, json_ld_body=meta.article_body)
    return blocks
