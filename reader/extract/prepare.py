"""Parse a page once into a bounded tree for the readability pass: no scripts or styles, capped depth and size.

Everything readability-lxml does is Python code walking the tree, so its cost grows with the number of elements
(and, for some steps, with the depth). Bounding the tree here bounds the time and memory of one page, whatever
the page: real article pages hold well under 10,000 elements once scripts and styles are gone.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

# Elements after this many (in document order) are cut off. The largest page of the Mozilla test set holds
# ~9,500 once cleaned; the article sits near the top of any real page.
MAX_ELEMENTS = 25_000
# Text past this many characters is cut off too: about 170,000 words, far more than any article.
MAX_TEXT_CHARS = 1_000_000
# libxml2 stops building the tree at this depth (with huge_tree; 256 without) and drops the rest of the page.
PARSER_DEPTH = 2048
# Markup nested deeper than this is flattened before parsing (only when the parser hit its limit).
FLAT_DEPTH = 500

# Never hold readable text, or hold text readers never see (svg titles, templates, style sheets).
JUNK_TAGS = ("script", "style", "link", "template", "svg", "noscript")

_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})\b[^<>]{0,2000}?(/?)>")
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "basefont",
        "frame",
        "keygen",
    ]
)


_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def parse_page(text: str) -> tuple[HtmlElement | None, bool]:
    """The page as a bounded lxml tree (None when there is nothing to parse), and whether it was cut."""
    # Control characters are no text, and lxml refuses to set them when a later step joins text nodes.
    root = _parse(_xml_text_bytes(text))
    if root is None:
        return None, False
    if _depth_limit_hit(root):
        text = _NOT_XML_TEXT.sub("", text)
        flat = _parse(flatten_deep_markup(text).encode("utf-8", "replace"))
        root = flat if flat is not None else root
    for el in list(root.iter(*JUNK_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    return root, cap_tree(root, MAX_ELEMENTS, MAX_TEXT_CHARS)


def _xml_text_bytes(text: str) -> bytes:
    """`_NOT_XML_TEXT.sub("", text).encode("utf-8", "replace")`, faster: the control characters are single
    bytes that no other character's UTF-8 holds, U+FFFE and U+FFFF three bytes that begin only themselves."""
    data = text.encode("utf-8", "replace").translate(None, _CONTROL_BYTES)
    if b"\xef\xbf" in data:
        data = data.replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")
    return data


def _parse(data: bytes) -> HtmlElement | None:
    try:
        return lxml.html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


# An element PARSER_DEPTH - 1 levels deep (the root is level one), found by libxml2 level by level.
_DEEPEST = etree.XPath("boolean(" + "/*" * (PARSER_DEPTH - 1) + ")")
_TEXT_LENGTH = etree.XPath("string-length(string(/))")
_ELEMENTS = etree.XPath("count(//*)")


def _depth_limit_hit(root: HtmlElement) -> bool:
    """Whether the parser reached its depth limit (and so dropped the rest of the page). `root`: the
    document's root element."""
    return bool(_DEEPEST(root))


def flatten_deep_markup(text: str) -> str:
    """Drop the tags (not the text) that would nest deeper than FLAT_DEPTH, so the parser keeps all the text.

    The depth is counted naively (every non-void open tag opens, every close tag closes): good enough to find
    the pathological parts of a page, and linear in its size.
    """
    depth = 0
    out: list[str] = []
    last = 0
    for m in _TAG.finditer(text):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        if name in _VOID or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
            drop = depth >= FLAT_DEPTH
        else:
            drop = depth >= FLAT_DEPTH
            depth += 1
        if drop:
            out.append(text[last : m.start()])
            out.append(" ")
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def _count(xpath: etree.XPath, root: HtmlElement) -> float:
    result = xpath(root)
    return result if isinstance(result, float) else float("inf")


def cap_tree(root: HtmlElement, max_elements: int, max_chars: int) -> bool:
    """Cut everything after the `max_elements`-th element or the `max_chars`-th character of text (document
    order), in place. Returns whether anything was cut."""
    # The common case, whole pages within both limits, counted by libxml2: the document's text is the text
    # and tails of its elements (the parser keeps no comments or processing instructions).
    if _count(_ELEMENTS, root) < max_elements and _count(_TEXT_LENGTH, root) <= max_chars:
        return False
    chars = 0
    cut: HtmlElement | None = None
    for count, el in enumerate(root.iter()):
        if count >= max_elements:
            cut = el
            break
        chars += len(el.text or "")
        if chars > max_chars:
            el.text = (el.text or "")[: max(0, len(el.text or "") - (chars - max_chars))]
            for child in list(el):
                el.remove(child)
            _cut_after(el, root)
            return True
        chars += len(el.tail or "")
        if chars > max_chars:
            el.tail = (el.tail or "")[: max(0, len(el.tail or "") - (chars - max_chars))]
            _cut_after(el, root)
            return True
    if cut is None:
        return False
    _cut_after(cut, root)
    parent = cut.getparent()
    if parent is not None:
        parent.remove(cut)
    return True


def _cut_after(el: HtmlElement, root: HtmlElement) -> None:
    """Remove every element that follows `el` in document order (its descendants excepted)."""
    node = el
    while node is not None and node is not root:
        parent = node.getparent()
        if parent is None:
            break
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
