"""The metadata around a story (headline again, byline, date lines) goes; dates and names inside it stay."""

from __future__ import annotations

import pytest

from reader.extract.pipeline import extract

PARAS = [
    "The city council voted on Tuesday to expand the public library network, adding three branches in "
    "neighbourhoods that have gone without one for more than a decade, officials said after the meeting.",
    "Supporters argued that the branches would give students a quiet place to study, while critics worried "
    "about the cost, which the finance office put at roughly twelve million dollars over five years.",
    "The first branch is expected to open on March 3, 2025, and the council asked the planning department to "
    "report back on staffing, opening hours and the design of the reading rooms before the summer recess.",
]


def page(before: str = "", after: str = "") -> str:
    """A page whose article box holds `before`, the story, then `after` (no class names to help)."""
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return f"""<html><head><title>Council expands libraries in three neighbourhoods - The Daily Example</title>
</head><body><div><div>{before}{body}{after}</div></div></body></html>"""


def text_of(html: str) -> str:
    text = extract(html, "https://news.example.org/libraries").text
    for paragraph in PARAS:
        assert paragraph in text, "a story paragraph was lost"
    return text


@pytest.mark.parametrize(
    "line",
    [
        "<h2>Council expands libraries in three neighbourhoods</h2>",  # the headline without the site name
        "<p>Council expands libraries</p><p>in three neighbourhoods</p>",  # split in two lines
        "<p>By Jane Doe and John Roe</p>",
        "<p>by Jane Doe22 Dec 2016</p>",
        "<p>2/26/2015 7:11 AM PST BY STAFF WRITERS</p>",
        "<p>Updated March 11, 2015 3:46 PM</p>",
        "<p>Tuesday 15 October 2019</p>",
    ],
)
def test_metadata_above_the_story_goes(line: str) -> None:
    text = text_of(page(before=line))
    assert text.startswith(PARAS[0]), text[:200]


@pytest.mark.parametrize(
    "line",
    [
        "<p>CNNMoney (New York) First published February 1, 2016: 1:28 AM ET</p>",
        "<p>A version of this article appears in print on March 4, 2025, on Page A1 of the New York edition.</p>",
        "<p>Posted 10:02 AM ET</p>",
    ],
)
def test_date_lines_below_the_story_go(line: str) -> None:
    text = text_of(page(after=line))
    assert text.endswith(PARAS[-1]), text[-200:]


def test_lines_that_only_look_like_metadata_stay() -> None:
    before = "<p>By the time the vote was called, the public gallery was full.</p>"
    after = "<p>Reporting by Jane Doe; editing by John Roe</p><p>AFP</p>"
    text = text_of(page(before=before, after=after))
    assert "By the time the vote was called" in text
    assert "Reporting by Jane Doe; editing by John Roe" in text and text.endswith("AFP")
    assert "March 3, 2025" in text  # a date inside the story is story


def test_dates_between_paragraphs_stay() -> None:
    middle = PARAS[0]
    html = page().replace(f"<p>{middle}</p>", f"<p>{middle}</p><p>March 3, 2016</p>")
    assert "March 3, 2016" in text_of(html)
