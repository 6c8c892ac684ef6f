"""Render a cleaned HTML fragment as Markdown and as plain text, with safe, absolute, untracked links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml.html import HtmlElement

from reader.extract.image_source import image_source, is_icon, is_tracking_pixel, looks_like_image_file
from reader.textsafe import clean_block

# Anything clean_block would change. Most text nodes hold none of these, and the check is much cheaper.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


_C1 = re.compile("[\x80-\x9f]")


def safe_block(text: str) -> str:
    """`clean_block(text)`, skipping the work when there is nothing to clean.

    Lone C1 characters (common in mis-decoded text) go first: clean_block reads one as the start of an
    OSC/DCS sequence and drops everything after it up to a terminator or the end of the text.
    """
    if not UNSAFE.search(text):
        return text
    return clean_block(_C1.sub("", text))


# Subtrees that never hold readable text (or hold fallback text such as "your browser does not support video").
SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "iframe",
        "object",
        "embed",
        "canvas",
        "select",
        "option",
        "button",
        "input",
        "textarea",
        "audio",
        "video",
        "source",
        "track",
        "map",
        "head",
        "title",
        "meta",
        "link",
        "param",
        "datalist",
        "dialog",
    ]
)
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "nav",
        "figure",
        "figcaption",
        "address",
        "details",
        "summary",
        "form",
        "fieldset",
        "center",
        "caption",
        "hgroup",
        "menu",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "legend",
        "body",
        "html",
    ]
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
CODE_TAGS = frozenset(("code", "kbd", "samp", "tt"))
EMPHASIS = {
    "em": "*",
    "i": "*",
    "cite": "",
    "strong": "**",
    "b": "**",
    "s": "~~",
    "del": "~~",
    "strike": "~~",
}

TRACKING_PARAMS = frozenset(
    [
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "twclid",
        "ttclid",
        "_hsenc",
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "rb_clickid",
        "s_cid",
        "ncid",
        "sr_share",
        "cmpid",
        "ocid",
    ]
)
SAFE_SCHEMES = frozenset(("http", "https", "mailto"))

_WS = re.compile(r"\s+")
_SPACES = re.compile(r" {2,}")
# Inline characters that Markdown could read as syntax; `_` only at a word edge (intraword `_` is literal).
_MD_INLINE = re.compile(r"[\\`*\[\]<~]|(?<!\w)_|_(?!\w)|&(?=#?\w{1,32};)")
# Line starts that would turn a paragraph into a heading, quote, list, rule or table.
_MD_LINE_START = re.compile(r"^([#>+=|-]|\d{1,9}[.)](?=\s|$))")


def escape_md(text: str) -> str:
    """Escape the characters in plain text that a Markdown renderer would read as syntax."""
    return _MD_INLINE.sub(lambda m: "\\" + m.group(0), text)


def _escape_line_start(line: str) -> str:
    match = _MD_LINE_START.match(line)
    if not match:
        return line
    token = match.group(1)
    if token[0].isdigit():
        return token[:-1] + "\\" + token[-1] + line[len(token) :]
    return "\\" + line


_URL_CONTROL = re.compile("[\x00-\x1f\x7f]")  # control characters, dropped from a link's address


def safe_url(href: str | None, base_url: str | None) -> str | None:
    """An absolute http(s)/mailto URL without tracking parameters, or None when the link should go."""
    if not href:
        return None
    href = _URL_CONTROL.sub("", href.strip())
    if not href or href.startswith("#"):
        return None
    try:
        if base_url:
            href = urljoin(base_url, href)
        parts = urlsplit(href)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in SAFE_SCHEMES or (scheme != "mailto" and not parts.netloc):
        return None
    query = parts.query
    if query:
        try:
            pairs = parse_qsl(query, keep_blank_values=True)
        except ValueError:
            pairs = []
        kept = [
            (k, v) for k, v in pairs if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
        ]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    url = urlunsplit((scheme, parts.netloc, parts.path, query, parts.fragment))
    # Characters that would end or break a Markdown link destination.
    return quote(url, safe="/:?#[]@!$&'*+,;=%~-._")


def _pre_text(pre: HtmlElement) -> str:
    """A code block's text with its line breaks: highlighters break lines with <br> or a <div> per line,
    and the text alone glued the lines together ('KEEPALIVE<br>int' read 'KEEPALIVEint')."""
    parts: list[str] = []

    def new_line() -> None:
        last = next((p for p in reversed(parts) if p), "\n")
        if not last.endswith("\n"):
            parts.append("\n")

    for event, el in etree.iterwalk(pre, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "br":
                parts.append("\n")
            elif tag in ("div", "p"):
                new_line()
            parts.append(el.text or "")
        else:
            if tag in ("div", "p"):
                new_line()
            if el is not pre:
                parts.append(el.tail or "")
    return "".join(parts)


@dataclass
class _Item:
    """An open list item: its marker, and whether its first block has been written."""

    marker: str
    text_marker: str
    started: bool = False


@dataclass
class Block:
    """One rendered block in both forms."""

    md: str
    text: str
    item_start: bool = False  # the first block of a list item: joins the item before with one newline
    list_serial: int = 0  # which outermost list the block is in (0: none)
    quote_depth: int = 0
    # Markdown only, and only an image without words of its own: the plain text is laid out as if the block
    # were not there (it takes no list item's first line, no separator).
    ghost: bool = False


@dataclass
class Rendered:
    """The Markdown, the plain text, and counts for the link-density signal."""

    markdown: str
    text: str
    text_chars: int
    link_chars: int


@dataclass
class _Renderer:
    base_url: str | None
    blocks: list[Block] = field(default_factory=list)
    md: list[str] = field(default_factory=list)
    tx: list[str] = field(default_factory=list)
    generation: int = 0  # bumped at every flush, so an inline wrapper knows if its content was flushed
    quote_depth: int = 0
    heading: int = 0
    lists: list[list[int]] = field(default_factory=list)  # [ordered, next number] per open list
    list_serial: int = 0
    items: list[_Item] = field(default_factory=list)
    # Open inline wrappers: (tag, md index, text index, generation, href or marker)
    inline: list[tuple[str, int, int, int, str | None]] = field(default_factory=list)
    link_chars: int = 0
    text_chars: int = 0
    after_link: list[str] = field(default_factory=list)  # image links met inside an open link
    # Whether the Markdown since the last flush holds more than images without words (see Block.ghost).
    worded_md: bool = False

    # -- inline content --

    def add_text(self, raw: str | None) -> None:
        if not raw:
            return
        # Entities such as &#27; arrive decoded: strip escape sequences before they reach any output.
        text = _WS.sub(" ", safe_block(raw))
        if not text.strip() and (not self.tx or self.tx[-1].endswith((" ", "\n"))):
            return
        self.md.append(escape_md(text))
        self.tx.append(text)

    def add_break(self) -> None:
        self.md.append("\n")
        self.tx.append("\n")

    def open_inline(self, tag: str, extra: str | None) -> None:
        self.inline.append((tag, len(self.md), len(self.tx), self.generation, extra))

    def close_inline(self, tag: str) -> None:
        if not self.inline or self.inline[-1][0] != tag:
            return
        _, md_at, tx_at, gen, extra = self.inline.pop()
        if tag == "a" and not any(t == "a" for t, *_ in self.inline):
            images, self.after_link = self.after_link, []
        else:
            images = []
        if gen == self.generation:
            self._wrap(tag, md_at, tx_at, extra, images)
        elif images:
            self.md.extend(images)

    def _wrap(self, tag: str, md_at: int, tx_at: int, extra: str | None, images: list[str]) -> None:
        inner_md = "".join(self.md[md_at:])
        inner_tx = "".join(self.tx[tx_at:])
        core = inner_md.strip()
        if tag == "a":
            self.link_chars += len(inner_tx.strip())
            if images:
                # A link around an image only (to a page, not the image file): the page keeps a link of its own.
                if not core and extra is not None and not looks_like_image_file(extra):
                    images.append(f"[(link)]({extra}) ")
                self.md.extend(images)
            if not core or extra is None:
                return
            core = core.replace("\n", " ")
            lead = inner_md[: len(inner_md) - len(inner_md.lstrip())]
            trail = inner_md[len(inner_md.rstrip()) :]
            self.md[md_at:] = [f"{lead}[{core}]({extra}){trail}", *images]
        elif extra and core and "\n" not in core:
            lead = inner_md[: len(inner_md) - len(inner_md.lstrip())]
            trail = inner_md[len(inner_md.rstrip()) :]
            self.md[md_at:] = [f"{lead}{extra}{core}{extra}{trail}"]

    def add_code(self, el: HtmlElement) -> None:
        code = _WS.sub(" ", safe_block("".join(el.itertext())))
        if not code.strip():
            return
        fence = "``" if "`" in code else "`"
        pad = " " if "`" in code else ""
        self.md.append(f"{fence}{pad}{code}{pad}{fence}")
        self.tx.append(code)

    def add_image(self, el: HtmlElement, picture: HtmlElement | None = None) -> None:
        """An image becomes a link to its address, labelled with its alt text in italics ("*Image: a crowded
        street*", or "*Image*" when the alt says nothing the page does not: no alt, a file name, the caption
        again); nothing in the plain text. Without a usable address (none, a data: URI, a tracking pixel), and
        for an emoji or icon, it is the alt text alone, as before. Inside a link, the image comes after the link's own text (a
        Markdown link cannot hold another), and a link to the image file itself is its full-size address."""
        alt = _WS.sub(" ", safe_block(el.get("alt") or "")).strip()
        show_alt = bool(alt) and len(alt) <= 300 and not _FILE_NAME.search(alt) and not _in_caption(el, alt)
        anchor = next((extra for tag, *_, extra in reversed(self.inline) if tag == "a"), None)
        in_link = any(tag == "a" for tag, *_ in self.inline)
        if is_tracking_pixel(el, self.base_url) or is_icon(el):
            src = None
        else:
            src = safe_url(image_source(el, self.base_url, picture), None)
        if src is not None and anchor is not None and looks_like_image_file(anchor):
            src = anchor  # a thumbnail linked to the full-size picture
        if src is None:
            if show_alt:
                self.worded_md = True
                # Outside any link, like an image with an address: a link labelled "Image" is one to view.
                (self.after_link if in_link else self.md).append(f" *Image: {escape_md(alt)}* ")
            return
        self.worded_md = self.worded_md or show_alt
        label = f"*Image: {escape_md(alt)}*" if show_alt else "*Image*"
        caption = _caption(el)
        # The figure's caption rides along as the link's title: the image viewer shows it under the picture.
        title = f' "{caption}"' if caption and caption.casefold() != alt.casefold() else ""
        piece = f" [{label}]({src}{title}) "
        if in_link:
            self.after_link.append(piece)
        else:
            self.md.append(piece)

    # -- blocks --

    def _prefix(self) -> tuple[str, str, str, str]:
        """Markdown first-line and continuation prefixes, and the same for text."""
        quote_md = "> " * self.quote_depth
        first_md = cont_md = quote_md
        first_tx = cont_tx = ""
        for i, item in enumerate(self.items):
            pad = " " * len(item.marker)
            tpad = " " * len(item.text_marker)
            if i == len(self.items) - 1 and not item.started:
                first_md += item.marker
                first_tx += item.text_marker
            else:
                first_md += pad
                first_tx += tpad
            cont_md += pad
            cont_tx += tpad
        return first_md, cont_md, first_tx, cont_tx

    def flush(self) -> None:
        self.generation += 1
        if self.after_link:  # a block starts inside a link: its images go out with the text before it
            self.md.extend(self.after_link)
            self.after_link.clear()
        md_raw, tx_raw = "".join(self.md), "".join(self.tx)
        self.md.clear()
        self.tx.clear()
        worded, self.worded_md = self.worded_md, False
        if not tx_raw.strip() and not md_raw.strip():
            return
        if not tx_raw.strip() and not worded:
            self._ghost(md_raw)
            return
        # Two or more line breaks in a row separate paragraphs.
        md_paras = re.split(r"\n[ \n]*\n", md_raw)
        tx_paras = re.split(r"\n[ \n]*\n", tx_raw)
        if len(md_paras) != len(tx_paras):
            md_paras, tx_paras = [md_raw], [tx_raw]
        for md_para, tx_para in zip(md_paras, tx_paras, strict=True):
            self._emit(md_para, tx_para)

    def _emit(self, md_para: str, tx_para: str) -> None:
        md_lines = [_SPACES.sub(" ", ln).strip() for ln in md_para.split("\n") if ln.strip()]
        tx_lines = [_SPACES.sub(" ", ln).strip() for ln in tx_para.split("\n") if ln.strip()]
        if not tx_lines and not md_lines:
            return
        self.text_chars += sum(len(ln) for ln in tx_lines)
        first_md, cont_md, first_tx, cont_tx = self._prefix()
        block = self._new_block()
        if self.heading:
            md = first_md + "#" * self.heading + " " + " ".join(md_lines)
            tx = first_tx + " ".join(tx_lines)
        else:
            md_lines = [_escape_line_start(ln) for ln in md_lines]
            md = first_md + ("\\\n" + cont_md).join(md_lines)
            tx = first_tx + ("\n" + cont_tx).join(tx_lines)
        block.md, block.text = md, (tx if tx_lines else "")  # an image's alt text alone: Markdown only
        self.blocks.append(block)

    def _ghost(self, md_raw: str) -> None:
        """Images without words, alone between blocks: in the Markdown, where they are; not in the text."""
        md_lines = [_SPACES.sub(" ", ln).strip() for ln in md_raw.split("\n") if ln.strip()]
        first_md, cont_md, _, _ = self._prefix()
        item_start = bool(self.items) and not self.items[-1].started
        md = first_md + ("\\\n" + cont_md).join(_escape_line_start(ln) for ln in md_lines)
        serial = self.list_serial if self.items else 0
        self.blocks.append(Block(md, "", item_start, serial, self.quote_depth, ghost=True))

    def _new_block(self) -> Block:
        block = Block("", "", quote_depth=self.quote_depth)
        if self.items:
            block.item_start = not self.items[-1].started
            block.list_serial = self.list_serial
            self.items[-1].started = True
        return block

    def raw_block(self, md: str, tx: str) -> None:
        self.flush()
        first_md, cont_md, first_tx, cont_tx = self._prefix()
        block = self._new_block()
        block.md = first_md + md.replace("\n", "\n" + cont_md)
        block.text = (first_tx + tx.replace("\n", "\n" + cont_tx)) if tx else ""
        self.text_chars += len(tx)
        self.blocks.append(block)

    def add_pre(self, el: HtmlElement) -> None:
        code = safe_block(_pre_text(el)).strip("\n")
        if not code.strip():
            return
        fence = "```"
        while fence in code:
            fence += "`"
        self.raw_block(f"{fence}\n{code}\n{fence}", code)

    def add_table(self, el: HtmlElement) -> bool:
        """Render a simple data table as a pipe table; False for layout tables (walked as blocks)."""
        if el.find(".//table") is not None:
            return False
        rows: list[list[str]] = []
        for tr in el.iter("tr"):
            cells = [_WS.sub(" ", safe_block(c.text_content())).strip() for c in tr if c.tag in ("td", "th")]
            if any(c.find(".//p") is not None or c.find(".//li") is not None for c in tr):
                return False
            if any(cells):
                rows.append(cells)
        width = max((len(r) for r in rows), default=0)
        if len(rows) < 2 or width < 2 or any(len(c) > 300 for r in rows for c in r):
            return False
        rows = [r + [""] * (width - len(r)) for r in rows]
        md_rows = ["| " + " | ".join(escape_md(c).replace("|", "\\|") for c in r) + " |" for r in rows]
        md_rows.insert(1, "|" + " --- |" * width)
        tx = "\n".join("  ".join(c for c in r if c) for r in rows)
        self.raw_block("\n".join(md_rows), tx)
        return True


_FILE_NAME = re.compile(
    r"^\S+\.(?:jpe?g|png|gif|webp|svg|avif|bmp)$|^(?:image|img|photo|picture|icon|logo)$", re.I
)


def _caption(img: HtmlElement) -> str:
    """The caption of the figure around the image, as a Markdown link title can hold it ("" when none)."""
    for figure in img.iterancestors("figure"):
        caption = figure.find(".//figcaption")
        if caption is None:
            return ""
        text = _WS.sub(" ", safe_block(caption.text_content())).strip()
        text = text.replace("\\", "").replace('"', "'")
        return text if len(text) <= 300 else text[:299].rstrip() + "…"
    return ""


def _in_caption(img: HtmlElement, alt: str) -> bool:
    """Whether the figure around the image already says the same in its caption."""
    for figure in img.iterancestors("figure"):
        caption = figure.find(".//figcaption")
        return caption is not None and alt.lower() in _WS.sub(" ", caption.text_content()).lower()
    return False


def _inside_source(img: HtmlElement, picture: HtmlElement) -> bool:
    for ancestor in img.iterancestors():
        if ancestor is picture:
            return False
        if ancestor.tag == "source":
            return True
    return False


def render(root: HtmlElement, base_url: str | None = None) -> Rendered:
    """Render an element tree as Markdown and text. Iterative: any nesting depth is safe."""
    r = _Renderer(base_url)
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if event == "start":
            if tag in SKIP_TAGS or not tag:
                walker.skip_subtree()
                continue
            _start(r, el, tag, walker)
        else:
            if tag and tag not in SKIP_TAGS:
                _end(r, tag)
            if el is not root:
                r.add_text(el.tail)
    r.flush()
    md_parts: list[str] = []
    tx_parts: list[str] = []
    prev: Block | None = None
    prev_tx: Block | None = None  # the text skips ghost blocks
    for block in r.blocks:
        if prev is not None:
            md_parts.append(_separator(prev, block, markdown=True))
        md_parts.append(block.md)
        prev = block
        if block.ghost:
            continue
        if prev_tx is not None:
            tx_parts.append(_separator(prev_tx, block, markdown=False))
        tx_parts.append(block.text)
        prev_tx = block
    text = "".join(tx_parts).strip("\n")
    return Rendered(
        "".join(md_parts).strip("\n"), re.sub(r"\n{3,}", "\n\n", text), r.text_chars, r.link_chars
    )


def _separator(prev: Block, block: Block, *, markdown: bool) -> str:
    tight = block.item_start and prev.list_serial == block.list_serial != 0
    if tight:
        return "\n"
    if markdown and prev.quote_depth and block.quote_depth:
        return "\n" + ">" * min(prev.quote_depth, block.quote_depth) + "\n"
    return "\n\n"


def _start(r: _Renderer, el: HtmlElement, tag: str, walker: etree.iterwalk) -> None:
    if tag in HEADINGS:
        r.flush()
        r.heading = HEADINGS[tag]
    elif tag in ("ul", "ol", "menu"):
        r.flush()
        if not r.lists:
            r.list_serial += 1
        start = el.get("start", "1")
        r.lists.append([tag == "ol", int(start) if start.isdigit() and len(start) < 9 else 1])
    elif tag == "li":
        r.flush()
        ordered, number = r.lists[-1] if r.lists else [False, 1]
        if ordered:
            r.lists[-1][1] = number + 1
            # The number is the browser's, not the page's text: the Markdown shows it, the plain text (search,
            # word counts, `--format text`) marks the item like any other.
            r.items.append(_Item(f"{number}. ", "• "))
        else:
            r.items.append(_Item("- ", "• "))
    elif tag == "blockquote":
        r.flush()
        r.quote_depth += 1
    elif tag == "pre":
        r.add_pre(el)
        walker.skip_subtree()
        return
    elif tag == "table":
        r.flush()
        if r.add_table(el):
            walker.skip_subtree()
            return
    elif tag == "hr":
        r.raw_block("---", "")
    elif tag == "br":
        r.add_break()
    elif tag in CODE_TAGS:
        r.add_code(el)
        walker.skip_subtree()
        return
    elif tag == "img":
        r.add_image(el)
        return
    elif tag == "picture":
        # The HTML parser does not know <source> is empty: the <img> after one lands inside it, in a subtree
        # the walk skips. Such an image is taken here (one directly in the <picture> is met as usual).
        img = next(el.iter("img"), None)
        if img is not None and _inside_source(img, el):
            r.add_image(img, el)
    elif tag in BLOCK_TAGS:
        r.flush()
    elif tag == "a":
        r.open_inline("a", safe_url(el.get("href"), r.base_url))
    elif tag in EMPHASIS:
        r.open_inline(tag, EMPHASIS[tag])
    elif tag == "q":
        r.add_text("“")
    r.add_text(el.text)


def _end(r: _Renderer, tag: str) -> None:
    if tag in HEADINGS:
        r.flush()
        r.heading = 0
    elif tag in ("ul", "ol", "menu"):
        r.flush()
        if r.lists:
            r.lists.pop()
    elif tag == "li":
        r.flush()
        if r.items:
            r.items.pop()
    elif tag == "blockquote":
        r.flush()
        r.quote_depth = max(0, r.quote_depth - 1)
    elif tag in BLOCK_TAGS:
        r.flush()
    elif tag == "a" or tag in EMPHASIS:
        r.close_inline(tag)
    elif tag == "q":
        r.add_text("”")
