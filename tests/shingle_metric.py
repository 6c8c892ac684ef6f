"""The extraction metric of shared/tools/evaluate_extraction.py, reimplemented for the tests and the benchmark.

Token 4-shingles of the reference text (the visible text of Readability.js's expected.html, one line per block)
against the extractor's text: precision, recall, F1.
"""

from __future__ import annotations

import re
from collections import Counter

import lxml.html
from lxml import etree

WORD = re.compile(r"\w+")
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
        "legend",
        "option",
    ]
)
_INVISIBLE = ("script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object", "embed")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    toks = WORD.findall(text)
    if not toks:
        return Counter()
    if len(toks) < 4:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + 4]) for i in range(len(toks) - 3))


def f1(reference: str, prediction: str) -> float:
    ref, pred = shingles(reference), shingles(prediction)
    tp = sum((ref & pred).values())
    denom = sum(ref.values()) + sum(pred.values())
    return 2 * tp / denom if denom else 1.0


def reference_text(data: bytes) -> str:
    """Visible text of expected.html, one line per block (as the evaluator reads the references)."""
    root = lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8"))
    parts: list[str] = []
    skipping = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _INVISIBLE:
                skipping += 1
            if not skipping:
                parts.append("\n" if tag in _BLOCK else " ")
                parts.append(el.text or "")
        else:
            if tag in _INVISIBLE:
                skipping -= 1
            if not skipping:
                parts.append("\n" if tag in _BLOCK else "")
                if el is not root:
                    parts.append(el.tail or "")
    return "".join(parts)
