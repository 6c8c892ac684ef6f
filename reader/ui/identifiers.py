"""Legal and regulatory identifiers in an article become links to their official sources, so a reader of
technology policy can open the bill, rule or case a story cites with `l N`: US bills (congress.gov), the Code
of Federal Regulations (eCFR), the US Code (Cornell LII), Federal Register citations (federalregister.gov), EU
regulations, directives and decisions (EUR-Lex) and EU court cases (CURIA).

Only plain text is touched: existing links, autolinks, code spans and fenced code are left alone. Each pattern
wants the identifier's full form ("H.R. 1234", "47 CFR 64.2010", "Regulation (EU) 2016/679"), so ordinary
prose does not match. `[general] link_identifiers = false` turns it off.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from reader.patterns import lazy_pattern
from reader.ui.links import outside_fences

__all__ = ["link_identifiers"]

_BILL = re.compile(
    r"(?<![\w.])(H\.\s?R\.|S\.|H\.\s?Res\.|S\.\s?Res\.|H\.\s?J\.\s?Res\.|S\.\s?J\.\s?Res\.)\s?(\d{1,5})\b"
)
_CFR = re.compile(r"\b(\d{1,2})\s+C\.?F\.?R\.?\s+(?:[Pp]art\s+|§+\s*)?(\d{1,4})(?:\.(\d{1,5}))?\b")
_USC = re.compile(r"\b(\d{1,2})\s+U\.\s?S\.\s?C\.?\s+(?:§+\s*)?(\d{1,5}[a-z]?)\b")
_FR = re.compile(r"\b(\d{1,3})\s+(?:Fed\.\s?Reg\.|FR)\s+(\d{1,6})\b")
_EU_ACT = re.compile(
    r"\b(Regulation|Directive|Decision)\s+\((EU|EC|EEC|Euratom)\)\s+"
    r"(?:No\.?\s+)?(\d{4}/\d{1,4}|\d{1,4}/\d{4})\b"
)
_CJEU = re.compile(r"\bCases?\s+([CT]-\d{1,4}/\d{2})\b")

# The parts of a Markdown line to leave alone: code spans, inline links (with their text), autolinks.
_protected = lazy_pattern(
    r"(`+).*?\1"  # a code span
    r"|!?\[(?:[^\[\]\\]|\\.)*\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)"  # a link or image
    r"|<https?://[^<>\s]+>"  # an autolink
)
_SPACE = re.compile(r"\s")


def _bill(m: re.Match[str]) -> str:
    kind = _SPACE.sub("", m.group(1))
    text = f"{kind} {m.group(2)}"
    return "https://www.congress.gov/search?q=" + quote('{"search":"' + text + '"}', safe="")


def _cfr(m: re.Match[str]) -> str:
    title, part, section = m.group(1), m.group(2), m.group(3)
    where = f"section-{part}.{section}" if section else f"part-{part}"
    return f"https://www.ecfr.gov/current/title-{title}/{where}"


def _usc(m: re.Match[str]) -> str:
    return f"https://www.law.cornell.edu/uscode/text/{m.group(1)}/{m.group(2)}"


def _fr(m: re.Match[str]) -> str:
    return f"https://www.federalregister.gov/citation/{m.group(1)}-FR-{m.group(2)}"


def _eu_act(m: re.Match[str]) -> str:
    return "https://eur-lex.europa.eu/search.html?scope=EURLEX&type=quick&text=" + quote(m.group(0), safe="")


def _cjeu(m: re.Match[str]) -> str:
    return "https://curia.europa.eu/juris/liste.jsf?num=" + quote(m.group(1), safe="")


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_EU_ACT, _eu_act),
    (_CJEU, _cjeu),
    (_CFR, _cfr),
    (_USC, _usc),
    (_FR, _fr),
    (_BILL, _bill),
)
_KEYS = re.compile(r"H\.|S\.|C\.?F\.?R|U\.\s?S\.\s?C|FR\b|Fed\.|Regulation|Directive|Decision|Case")


def link_identifiers(markdown: str) -> str:
    """The Markdown with each identifier outside links and code made a link to its official source."""
    if _KEYS.search(markdown) is None:
        return markdown
    return outside_fences(markdown, _outside_protected)


def _outside_protected(line: str) -> str:
    parts: list[str] = []
    last = 0
    for span in _protected().finditer(line):
        parts.append(_link_plain(line[last : span.start()]))
        parts.append(span.group(0))
        last = span.end()
    parts.append(_link_plain(line[last:]))
    return "".join(parts)


def _link_plain(text: str) -> str:
    """Link the identifiers of a run of plain Markdown text (no links or code in it), each once, the
    earliest and longest match first."""
    if not text or _KEYS.search(text) is None:
        return text
    found: list[tuple[int, int, str]] = []
    for pattern, source in _RULES:
        for m in pattern.finditer(text):
            if not any(m.start() < end and start < m.end() for start, end, _ in found):
                found.append((m.start(), m.end(), source(m)))
    if not found:
        return text
    found.sort()
    parts: list[str] = []
    last = 0
    for start, end, url in found:
        shown = text[start:end]
        parts.append(text[last:start])
        parts.append(f"[{shown}]({url})")
        last = end
    parts.append(text[last:])
    return "".join(parts)
