"""Trim the story's edges: the headline, byline and date lines above its first paragraph, dates below its last.

News pages put the article's metadata around its text, and readability keeps whatever shares a box with it:
the headline again (sometimes split in two lines), "By Jane Doe", "March 3, 2016 10:02 AM ET", "First
published ...". Readers (and people labelling what an article's text is) see these as furniture, not body.
A line is judged only where metadata sits: before the first paragraph of prose or after the last one, so a
date or a name in the middle of the story is never touched. Closing credit lines ("Reporting by ...",
"AFP") are text, not dates, and stay.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from reader.extract.clean import HEADINGS, leaf_blocks, text_of, word_count

__all__ = ["trim_edges"]

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre "
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre "
    "januar februar märz maerz juni juli oktober dezember "
    "janeiro fevereiro março maio junho julho setembro outubro novembro dezembro"
)
_DAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun "
    "lundi mardi mercredi jeudi vendredi samedi dimanche lunes martes miércoles jueves viernes sábado domingo "
    "montag dienstag mittwoch donnerstag freitag samstag sonntag"
)
_ZONES = "am pm a m et est edt ct cst cdt mt mst mdt pt pst pdt gmt utc bst cet cest aest aedt ist hrs h uhr"
_LINKING = (
    "at on of the de del le la um am und y e et "
    "updated update published posted first last modified created mis jour à actualizado publicado "
    "aktualisiert veröffentlicht atualizado ago hours hour minutes minute mins min days day"
)
DATE_WORDS = frozenset(f"{_MONTHS} {_DAYS} {_ZONES} {_LINKING}".split())
# Words that may join the names of a byline ("By Jane Doe and John Roe", "By Ana de la Cruz").
NAME_JOINERS = frozenset(
    [
        "and",
        "und",
        "et",
        "y",
        "e",
        "with",
        "de",
        "da",
        "del",
        "della",
        "di",
        "van",
        "von",
        "der",
        "den",
        "la",
        "le",
        "du",
        "dos",
        "das",
        "of",
    ]
)

_TOKEN = re.compile(r"\w+")
_BY = re.compile(r"(?i)(?:^|\s)(?:by|von|par|por|door|di|av|af)\s+(?=\S)")
_NAME_WORD = re.compile(r"[\w'’.-]+")
_PUBLISHED = re.compile(
    r"(?i)\b(?:first published|published|updated|last updated|posted|last modified|publié|publicado|"
    r"veröffentlicht|atualizado|actualizado)\b"
)
_PRINT_NOTICE = re.compile(
    r"(?i)^a version of this (?:article|story|review|essay|interview) appears? in print\b"
)
# A paragraph of prose: the story proper starts at the first of these and ends at the last.
PROSE_WORDS = 12
_SENTENCE_END = re.compile(r"[.!?…\"”’»)\]:;](?:\s|$)")
MAX_EDGE_WORDS = 25


def _is_date_line(text: str) -> bool:
    """'March 3, 2016 10:02 AM ET', 'Updated 22 Dec, 2016', '2/26/2015 7:11 AM PST': dates, times, zones."""
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    if not tokens or len(tokens) > 14 or not any(t.isdigit() for t in tokens):
        return False
    return all(t.isdigit() or t in DATE_WORDS for t in tokens)


def _is_published_line(text: str) -> bool:
    """'CNNMoney (New York) First published February 1, 2016: 1:28 AM ET': a source and when it came out."""
    if word_count(text) > 16 or not _PUBLISHED.search(text):
        return False
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    dated = sum(1 for t in tokens if t.isdigit() or t in DATE_WORDS)
    return dated * 2 >= len(tokens) and any(t.isdigit() for t in tokens)


def _is_byline(text: str) -> bool:
    """'By Jane Doe', 'by Jane Doe and John Roe | 22 Dec 2016', '2/26/2015 7:11 AM PST BY TMZ STAFF': the
    words before 'by' are a date (or nothing), the words after it are names (capitalised) or a date."""
    m = _BY.search(text)
    if m is None or word_count(text) > 14:
        return False
    head = [t.lower() for t in _TOKEN.findall(text[: m.start()])]
    if not all(t.isdigit() or t in DATE_WORDS for t in head):
        return False
    names = _NAME_WORD.findall(text[m.end() :])
    if not names or len(names) > 10:
        return False
    for word in names:
        lower = word.lower().strip(".-'’")
        if word[0].isupper() or word[0].isdigit() or lower in NAME_JOINERS or lower in DATE_WORDS:
            continue
        return False  # "By the time police arrived, ...": a sentence, not a byline
    return True


def _headline_part(text: str, title_words: set[str]) -> bool:
    """The headline again, whole or in part ('Lupita Nyong'o' above '$150K Pearl Oscar Dress ... STOLEN!')."""
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    return bool(tokens) and len(tokens) >= 2 and all(t in title_words for t in tokens)


def _is_metadata(text: str) -> bool:
    """A line about the story (when it came out, where it was printed), not of it."""
    return _is_date_line(text) or _is_published_line(text) or _PRINT_NOTICE.match(text) is not None


def _is_prose(block: HtmlElement, text: str) -> bool:
    """A paragraph of the story (a long headline is not one)."""
    if block.tag in HEADINGS or word_count(text) < PROSE_WORDS or _SENTENCE_END.search(text + " ") is None:
        return False
    links = sum(len(text_of(a)) for a in block.iter("a"))
    return links * 2 < len(text)


def _drop(el: HtmlElement) -> None:
    if el.getparent() is not None:
        el.drop_tree()


def trim_edges(root: HtmlElement, title: str | None) -> int:
    """Remove, in place, the metadata lines above the first paragraph of prose and the date lines below the
    last one. Returns how many blocks went."""
    leaves = leaf_blocks(root)
    texts: dict[int, str] = {}  # only the blocks up to the first paragraph of prose and from the last one

    def text_at(i: int) -> str:
        text = texts.get(i)
        if text is None:
            text = texts[i] = text_of(leaves[i])
        return text

    def is_story(i: int) -> bool:
        block = leaves[i]
        return block.tag not in ("td", "th") and _is_prose(block, text_at(i)) and not _is_metadata(text_at(i))

    first = next((i for i in range(len(leaves)) if is_story(i)), None)
    if first is None:
        return 0
    last = next(i for i in reversed(range(first, len(leaves))) if is_story(i))
    blocks = [(leaves[i], text_at(i)) for i in range(first)]
    tail = [(leaves[i], text_at(i)) for i in range(last + 1, len(leaves))]
    title_words = {t.lower() for t in _TOKEN.findall(title or "")}
    dropped = 0
    for block, text in blocks:
        if not text or word_count(text) > MAX_EDGE_WORDS or block.tag in ("td", "th"):
            continue
        if _is_metadata(text) or _is_byline(text) or _headline_part(text, title_words):
            _drop(block)
            dropped += 1
    for block, text in tail:
        if not text or block.tag in ("td", "th"):
            continue
        if _is_metadata(text):
            _drop(block)
            dropped += 1
    return dropped
