"""Parsed styles kept between launches (reader/ui/stylecache.py): a second launch reads what the first parsed,
and anything that could make the kept rules wrong (other CSS, other theme variables, another Textual, a
damaged file) means parsing as Textual does."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.css.stylesheet import Stylesheet, StylesheetParseError

from reader.ui import stylecache
from reader.ui.app import ReaderApp
from reader.ui.stylecache import CachedStylesheet

CSS = "#panes { height: 1fr; } Label { color: $accent; text-style: bold; }"
VARIABLES = {"accent": "#ff0000"}


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The CSS that Textual itself parsed (what the cache did not answer)."""
    seen: list[str] = []
    parse = Stylesheet._parse_rules

    def counting(self: Stylesheet, css: str, *args: object, **kwargs: object) -> object:
        seen.append(css)
        return parse(self, css, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Stylesheet, "_parse_rules", counting)
    return seen


def parsed(path: Path, css: str = CSS, variables: dict[str, str] = VARIABLES) -> CachedStylesheet:
    sheet = CachedStylesheet(path, variables=dict(variables))
    sheet.add_source(css, read_from=("app.tcss", ""))
    sheet.parse()
    return sheet


def test_a_second_launch_reads_the_rules_the_first_one_parsed(tmp_path: Path, parses: list[str]) -> None:
    path = tmp_path / "cache" / "styles.pickle"
    first = parsed(path)
    first.save()
    assert parses == [CSS] and path.is_file()
    second = parsed(path)
    assert parses == [CSS]  # not parsed again
    assert [r.css for r in second.rules] == [r.css for r in first.rules]
    assert "#FF0000" in second.rules[1].css.upper()  # the variable's value, as parsed with it


def test_other_css_or_other_variables_are_parsed_afresh(tmp_path: Path, parses: list[str]) -> None:
    path = tmp_path / "styles.pickle"
    parsed(path).save()
    other = parsed(path, variables={"accent": "#00ff00"})
    assert "#00FF00" in other.rules[1].css.upper()
    changed = parsed(path, css=CSS.replace("1fr", "2fr"))
    assert "2fr" in changed.rules[0].css
    assert len(parses) == 3


def test_what_was_not_used_is_dropped_when_the_file_is_written_again(tmp_path: Path) -> None:
    path = tmp_path / "styles.pickle"
    parsed(path).save()
    newer = parsed(path, css=CSS.replace("1fr", "2fr"))
    newer.save()
    assert len(CachedStylesheet(path)._stored) == 1  # only the CSS of the last launch


@pytest.mark.parametrize(
    "damage", ["truncated", "another textual", "not a pickle", "a directory", "others may write it"]
)
def test_a_damaged_or_foreign_file_means_parsing_as_usual(
    tmp_path: Path, parses: list[str], damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "styles.pickle"
    parsed(path).save()
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-40])
    elif damage == "another textual":
        monkeypatch.setattr(stylecache, "_installed", lambda: b"reader styles 1; textual 0.1")
    elif damage == "others may write it":
        path.chmod(0o666)
    elif damage == "not a pickle":
        header = path.read_bytes().partition(b"\n")[0]
        path.write_bytes(header + b"\nnot a pickle at all")
    else:
        path.unlink()
        path.mkdir()
    sheet = parsed(path)
    assert len(parses) == 2 and len(sheet.rules) == 2
    sheet.save()  # never raises; a directory in the way stays
    assert path.is_dir() == (damage == "a directory")


def test_the_file_is_ours_alone_whatever_the_umask(tmp_path: Path, parses: list[str]) -> None:
    old = os.umask(0o002)
    try:
        parsed(tmp_path / "cache" / "styles.pickle").save()
    finally:
        os.umask(old)
    assert (tmp_path / "cache" / "styles.pickle").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    parsed(tmp_path / "cache" / "styles.pickle")
    assert len(parses) == 1  # read back


def test_copies_left_half_written_by_killed_launches_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "styles.pickle"
    stale, recent = tmp_path / ".styles.pickle.123", tmp_path / ".styles.pickle.456"
    stale.write_bytes(b"")
    recent.write_bytes(b"")
    os.utime(stale, (1, 1))
    parsed(path).save()
    assert path.is_file() and not stale.exists() and recent.exists()  # (another launch may be writing it)


def test_a_folder_others_may_write_is_not_trusted(tmp_path: Path, parses: list[str]) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    parsed(folder / "styles.pickle").save()
    folder.chmod(0o777)
    parsed(folder / "styles.pickle")
    assert len(parses) == 2


def test_css_with_errors_is_never_kept(tmp_path: Path) -> None:
    path = tmp_path / "styles.pickle"
    sheet = CachedStylesheet(path, variables=dict(VARIABLES))
    sheet.add_source("Label { colour: red; }", read_from=("bad.tcss", ""))
    with pytest.raises(StylesheetParseError):
        sheet.parse()
    sheet.save()
    assert not path.exists()


@pytest.mark.parametrize("theme", [None, "nord"])
async def test_the_app_parses_its_styles_once_across_launches(
    make: Callable[..., ReaderApp], tmp_path: Path, parses: list[str], theme: str | None
) -> None:
    """With a theme set at start-up too (Textual parses every stylesheet again with its variables)."""
    cache = tmp_path / "cache" / "styles.pickle"
    async with make(style_cache=cache, theme=theme).run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = pilot.app.screen.query_one("#headlines").styles.height
    assert cache.is_file() and parses
    parses.clear()
    async with make(style_cache=cache, theme=theme).run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert pilot.app.screen.query_one("#headlines").styles.height == first
        assert pilot.app.theme == (theme or "textual-dark")
    assert parses == []  # every stylesheet of the first screen came from the file
