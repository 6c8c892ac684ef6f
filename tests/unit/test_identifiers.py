"""Bills, rules and cases an article cites link to their official sources; links, code and prose are left
alone."""

from __future__ import annotations

import pytest

from reader.ui.identifiers import link_identifiers


@pytest.mark.parametrize(
    ("text", "shown", "url"),
    [
        (
            "H.R. 1234",
            "H.R. 1234",
            "https://www.congress.gov/search?q=%7B%22search%22%3A%22H.R.%201234%22%7D",
        ),
        (
            "HR-free: H. R. 815",
            "H. R. 815",
            "https://www.congress.gov/search?q=%7B%22search%22%3A%22H.R.%20815%22%7D",
        ),
        ("S. 567", "S. 567", "https://www.congress.gov/search?q=%7B%22search%22%3A%22S.%20567%22%7D"),
        ("47 CFR 64.2010", "47 CFR 64.2010", "https://www.ecfr.gov/current/title-47/section-64.2010"),
        ("47 C.F.R. Part 64", "47 C.F.R. Part 64", "https://www.ecfr.gov/current/title-47/part-64"),
        ("15 U.S.C. § 45", "15 U.S.C. § 45", "https://www.law.cornell.edu/uscode/text/15/45"),
        ("89 FR 12345", "89 FR 12345", "https://www.federalregister.gov/citation/89-FR-12345"),
        (
            "Regulation (EU) 2016/679",
            "Regulation (EU) 2016/679",
            "https://eur-lex.europa.eu/search.html?scope=EURLEX&type=quick&text=Regulation%20%28EU%29%202016%2F679",
        ),
        ("Case C-311/18", "Case C-311/18", "https://curia.europa.eu/juris/liste.jsf?num=C-311%2F18"),
    ],
)
def test_each_kind_links_to_its_source(text: str, shown: str, url: str) -> None:
    assert f"[{shown}]({url})" in link_identifiers(f"The order cites {text}, as expected.")


def test_links_code_and_fences_are_left_alone_and_prose_does_not_match() -> None:
    untouched = (
        "Harry S. Truman met U.S. 5-star generals; the U.S. Senate voted 52-48.\n"
        "See [H.R. 1](https://example.org/bill) and `47 CFR 1.1`.\n"
        "```\nH.R. 99 in code\n```\n"
        "Section 230 and the DSA (Article 34) say so."
    )
    assert link_identifiers(untouched) == untouched


def test_overlapping_matches_link_once_and_every_citation_in_a_line_is_linked() -> None:
    out = link_identifiers("Directive (EU) 2019/790 and Case T-604/18; also 47 CFR 64.2010 and S. 2.")
    assert out.count("](https://") == 4
    assert out.startswith("[Directive (EU) 2019/790](https://eur-lex.europa.eu/")
