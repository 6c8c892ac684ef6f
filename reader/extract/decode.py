"""Turn the bytes of a fetched page into text: refuse binary data, cap the size, find the charset."""

from __future__ import annotations

import codecs
import re

import chardet

from reader.errors import ExtractError

# Pages larger than this are cut before parsing: the article is near the top of any real page, and parsing
# and scoring cost grows with the size, so this bounds the time and memory one page can take.
MAX_BYTES = 5_000_000
MAX_CHARS = MAX_BYTES

# Only the start of a page is searched for a <meta charset> (HTML says 1024 bytes; some pages put it later).
_META_SCAN = 8192
# chardet is slow on large inputs and gains little past a sample.
_DETECT_SAMPLE = 65536

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Bounded, linear patterns: no nested quantifiers over the same characters.
_META_CHARSET = re.compile(rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]{1,40})", re.I)

# Labels browsers treat as a superset (WHATWG Encoding Standard), and a few common misspellings.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "utf8": "utf-8",
    "unicode": "utf-8",
}

# Magic numbers of formats sometimes served with a text/html content type.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"OggS", "Ogg media"),
    (b"\x7fELF", "an executable"),
)


def normalise_charset(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when the label names no known codec."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def sniff_binary(head: bytes | str) -> str | None:
    """What a page that is not HTML looks like ('PDF', 'binary data', ...), or None when it may be text."""
    if isinstance(head, str):
        start = head[:1024].lstrip()
        if start.startswith("%PDF-"):
            return "PDF"
        if head[:4096].count("\x00") > 2:
            return "binary data"
        return None
    for bom, _ in _BOMS:
        if head.startswith(bom):
            return None  # UTF-16/32 text holds NUL bytes legitimately
    stripped = head[:1024].lstrip()
    for magic, kind in _MAGIC:
        if stripped.startswith(magic):
            return kind
    sample = head[:4096]
    if sample.count(0) > 2 and _utf16_without_bom(sample) is None:
        return "binary data"  # text pages hold no NUL bytes, except UTF-16 (checked above and below)
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the NUL bytes fall where ASCII text in UTF-16 puts them."""
    if len(sample) < 16:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    half = len(sample) // 2
    if odd > 0.8 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.8 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _declared_charset(data: bytes) -> str | None:
    head = data[:_META_SCAN]
    for pattern in (_XML_DECL, _META_CHARSET):
        match = pattern.search(head)
        if match:
            name = normalise_charset(match.group(1).decode("ascii", "replace"))
            # A page that declares UTF-16 in ASCII bytes is not UTF-16 (HTML spec: treat as UTF-8).
            if name and not name.startswith("utf-16") and not name.startswith("utf-32"):
                return name
    return None


def _detect_charset(data: bytes) -> str:
    sample = data[:_DETECT_SAMPLE]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still UTF-8.
        if exc.start >= len(sample) - 4 and exc.reason == "unexpected end of data":
            return "utf-8"
    guess = chardet.detect(sample).get("encoding")
    return normalise_charset(guess) or "cp1252"


def decode_page(data: bytes, headers_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes: BOM, then HTTP header charset, then <meta charset>, then detection.

    Returns (text, codec used). Raises ExtractError for data that is clearly not a text page.
    """
    header = normalise_charset(headers_charset)
    wide = header is not None and header.startswith(("utf-16", "utf-32"))
    kind = None if wide else sniff_binary(data[:4096])
    if kind is not None:
        raise ExtractError(f"not an HTML page: looks like {kind}")
    utf16 = None if wide else _utf16_without_bom(data[:4096])
    if utf16:
        return data.decode(utf16, "replace"), utf16
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, "replace"), codec
    for declared in (header, _declared_charset(data)):
        if declared:
            try:
                return data.decode(declared, "replace"), declared
            except (LookupError, ValueError):  # odd codecs (e.g. 'rot13', 'base64') are not text codecs
                continue
    codec = _detect_charset(data)
    return data.decode(codec, "replace"), codec


def cap_bytes(data: bytes) -> tuple[bytes, bool]:
    """The page cut to MAX_BYTES (and whether it was cut)."""
    if len(data) <= MAX_BYTES:
        return data, False
    return data[:MAX_BYTES], True


def cap_text(text: str) -> tuple[str, bool]:
    """The page text cut to MAX_CHARS (and whether it was cut)."""
    if len(text) <= MAX_CHARS:
        return text, False
    return text[:MAX_CHARS], True
