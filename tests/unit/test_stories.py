"""Stories: title terms, grouping as items are stored, the merge pass, re-grouping, story marks, topics."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader.config.loader import parse_config
from reader.errors import ConfigError
from reader.models import Feed, FetchOutcome, ParsedFeed, ParsedItem, View, ViewKind
from reader.store.feeds import Store
from reader.store.schema import MIGRATIONS
from reader.stories import grouping
from reader.stories.terms import MAX_TERMS, MAX_TEXT_TERMS, title_terms

T0 = datetime(
    2014, 3, 10, 12, 0, tzinfo=UTC
)  # old on purpose: grouping uses publication times, not the clock


def item(key: str, title: str, when: datetime = T0) -> ParsedItem:
    return ParsedItem(
        key=key, title=title, link=f"https://example.org/{key}", published=when, content_hash=key
    )


def store_items(store: Store, feed: Feed, items: list[ParsedItem]) -> None:
    parsed = ParsedFeed(title=None, site_url=None, items=tuple(items))
    store.apply_fetch(feed, FetchOutcome(feed_url=feed.url, status=200, parsed=parsed))


def story_of(store: Store, feed: Feed, key: str) -> int:
    row = store._conn.execute("SELECT story_id FROM items WHERE feed_id = ? AND key = ?", (feed.id, key))
    value = row.fetchone()[0]
    assert value is not None
    return int(value)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "reader.db")
    yield s
    s.close()


def feeds(store: Store, n: int) -> list[Feed]:
    return [store.add_feed(f"https://outlet{i}.example/feed.xml") for i in range(n)]


# ------------------------------------------------------------------ terms


def test_terms_drop_stop_words_keep_numbers_and_split_unspaced_scripts() -> None:
    assert title_terms("Apple's iOS 7.1 update is live") == ["apple", "ios", "7.1"]
    assert title_terms("Chrysler recalls 25,000 Jeeps") == ["chrysler", "recall", "25,000", "jeep"]
    assert title_terms("The and of it") == []
    assert title_terms("") == [] and title_terms(None) == []
    assert title_terms("中国经济") == ["中国", "国经", "经济"]
    assert len(title_terms(" ".join(f"word{i}" for i in range(500)))) == MAX_TERMS


# ------------------------------------------------------------------ grouping


def test_same_news_from_different_feeds_shares_a_story_and_other_news_does_not(store: Store) -> None:
    a, b, c, d = feeds(store, 4)
    store_items(store, a, [item("a1", "Chiquita to buy Fyffes, creating world's biggest banana company")])
    store_items(store, b, [item("b1", "Chiquita and Fyffes merge to form world's largest banana supplier")])
    store_items(store, c, [item("c1", "Fyffes, Chiquita agree banana merger")])
    store_items(store, d, [item("d1", "Twitter suffers outage, service returns after 47 minutes")])
    store.merge_stories()
    first = story_of(store, a, "a1")
    assert story_of(store, b, "b1") == first and story_of(store, c, "c1") == first
    assert story_of(store, d, "d1") != first
    [story] = [s for s in store.stories(with_items=True) if s.id == first]
    assert story.feed_count == 3 and story.item_count == 3 and story.unread_count == 3
    assert story.lead_title.startswith("Chiquita") and len(story.items) == 3


def test_publication_times_decide_not_the_clock(store: Store) -> None:
    a, b, c = feeds(store, 3)
    title = "Senate banking leaders sketch out Fannie Freddie overhaul bill"
    store_items(store, a, [item("a", title, T0)])
    store_items(store, b, [item("b", title, T0 + timedelta(hours=20))])
    store_items(store, c, [item("c", title, T0 + timedelta(days=30))])  # a month later: other news
    assert story_of(store, a, "a") == story_of(store, b, "b") != story_of(store, c, "c")


def test_a_title_one_feed_repeats_is_not_one_story(store: Store) -> None:
    (a,) = feeds(store, 1)
    store_items(store, a, [item(f"d{i}", "Daily briefing", T0 + timedelta(hours=i)) for i in range(30)])
    store.merge_stories()
    sizes = [s.item_count for s in store.stories(limit=100)]
    assert sizes == [1] * 30


def test_thousands_of_identical_titles_in_one_feed_build_no_giant_story(store: Store) -> None:
    a, b = feeds(store, 2)
    store_items(store, a, [item(f"p{i}", "Podcast episode", T0 + timedelta(minutes=i)) for i in range(2000)])
    store_items(store, b, [item("x", "Podcast episode", T0)])
    store.merge_stories()
    assert max(s.item_count for s in store.stories(limit=5000)) <= 2
    assert store.ungrouped_count() == 0


def test_empty_stop_word_and_cjk_titles(store: Store) -> None:
    a, b = feeds(store, 2)
    store_items(store, a, [item("e", ""), item("s", "The and of"), item("z", "日本銀行が追加緩和を決定")])
    store_items(store, b, [item("e", ""), item("s", "The and of"), item("z", "日本銀行が追加緩和を決定")])
    store.merge_stories()
    assert story_of(store, a, "e") != story_of(store, b, "e")  # nothing to go on: no story
    assert story_of(store, a, "s") != story_of(store, b, "s")
    assert story_of(store, a, "z") == story_of(store, b, "z")


def test_merge_pass_joins_stories_that_arrival_order_split(store: Store) -> None:
    fs = feeds(store, 6)
    titles = [
        "Malaysia Airlines plane search turns to crowdsourcing",
        "Crowdsourcing search for missing Malaysia jet",
        "Missing Malaysia Airlines flight: satellite firm crowdsources search",
        "Malaysia Airlines jet search: help from satellite images online",
        "Satellite images crowdsourced in Malaysia jet search",
        "Online crowd joins search for missing Malaysia Airlines jet",
    ]
    for f, (i, t) in zip(fs, enumerate(titles), strict=True):
        store_items(store, f, [item(f"k{i}", t, T0 + timedelta(hours=i))])
    store.merge_stories()
    assert len({story_of(store, f, f"k{i}") for i, f in enumerate(fs)}) == 1


MALAYSIA = [
    "Malaysia Airlines plane search turns to crowdsourcing",
    "Crowdsourcing search for missing Malaysia jet",
    "Missing Malaysia Airlines flight: satellite firm crowdsources search",
    "Malaysia Airlines jet search: help from satellite images online",
]


def test_the_merge_pass_finds_stories_another_connection_grouped(store: Store, tmp_path: Path) -> None:
    fs = feeds(store, 4)
    other = Store.open(tmp_path / "reader.db")  # e.g. a `reader fetch` while the TUI is open
    try:
        for f, (i, t) in zip(fs, enumerate(MALAYSIA), strict=True):
            store_items(other, f, [item(f"k{i}", t, T0 + timedelta(hours=i))])
    finally:
        other.close()
    store.merge_stories()
    assert len({story_of(store, f, f"k{i}") for i, f in enumerate(fs)}) == 1


def story_rows_match_items(store: Store) -> None:
    rows = store._conn.execute(
        "SELECT s.id, s.size, (SELECT COUNT(*) FROM items i WHERE i.story_id = s.id) FROM stories s"
    ).fetchall()
    assert rows and all(size == n for _, size, n in rows)
    orphans = store._conn.execute(
        "SELECT COUNT(*) FROM items WHERE story_id NOT IN (SELECT id FROM stories)"
    ).fetchone()[0]
    assert orphans == 0


def test_stories_have_their_rows_as_soon_as_their_items_are_stored(store: Store) -> None:
    a, b = feeds(store, 2)
    store_items(store, a, [item("a", MALAYSIA[0])])
    store_items(store, b, [item("b", MALAYSIA[2], T0 + timedelta(hours=1))])
    # No merge pass yet: the Stories view already lists what a running poll stored.
    [story] = store.stories(with_items=True)
    assert story.item_count == 2 and story.feed_count == 2
    story_rows_match_items(store)


def test_every_story_a_poll_makes_has_its_row_with_its_figures_at_commit(store: Store) -> None:
    # Headlines sharing two words with many others: each new one looks for candidates, stories of one item
    # are made whole as candidates without being joined, and most stay stories of their own.
    fs = feeds(store, 4)
    words = [f"w{n}" for n in range(400)]
    for f, feed in enumerate(fs):
        batch = []
        for k in range(15):
            own = " ".join(words[(f * 15 + k) * 6 : (f * 15 + k) * 6 + 6])
            when = T0 + timedelta(hours=k * 7 + f)
            batch.append(item(f"{f}-{k}", f"Harbour bridge {own}", when))
        store_items(store, feed, batch)
    story_rows_match_items(store)
    mismatched = store._conn.execute(
        """SELECT COUNT(*) FROM stories s JOIN (
               SELECT story_id, COUNT(*) AS n, COUNT(DISTINCT feed_id) AS feeds,
                      MIN(CAST(strftime('%s', sort_date) AS INTEGER)) AS first_t,
                      MAX(CAST(strftime('%s', sort_date) AS INTEGER)) AS last_t, MAX(sort_date) AS newest
               FROM items GROUP BY story_id) i ON i.story_id = s.id
           WHERE s.size != i.n OR s.feed_count != i.feeds OR s.first_t != i.first_t OR s.last_t != i.last_t
              OR s.newest != i.newest
              OR NOT EXISTS (SELECT 1 FROM items l WHERE l.id = s.lead_item AND l.story_id = s.id)"""
    ).fetchone()[0]
    assert mismatched == 0
    assert store._conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0] > 30  # mostly their own


def test_hundreds_of_new_stories_in_one_transaction_all_get_their_rows(store: Store) -> None:
    # More one-item stories than one statement writes (SINGLES_PER_INSERT): every row, each with its item.
    from reader.store.story_grouping import SINGLES_PER_INSERT

    (a,) = feeds(store, 1)
    n = 2 * SINGLES_PER_INSERT + 37
    store_items(store, a, [item(f"k{k}", f"Harbour report {k}", T0 + timedelta(minutes=k)) for k in range(n)])
    story_rows_match_items(store)
    rows = store._conn.execute(
        "SELECT COUNT(*) FROM stories s JOIN items i ON i.id = s.lead_item AND i.story_id = s.id "
        "WHERE s.size = 1 AND s.newest = i.sort_date AND s.first_feed = i.feed_id"
    ).fetchone()[0]
    assert rows == n


def test_a_poll_reaching_far_apart_years_keeps_every_story_row(store: Store) -> None:
    # One transaction stores a feed from 2014 and one from 2020: the index starts afresh around the second
    # (bounded memory), and the stories made around the first keep their rows.
    old, new = feeds(store, 2)
    later = T0 + timedelta(days=6 * 365)
    batch = [
        (
            old,
            [item(f"o{k}", f"Regulator fines bank number {k} over sanctions breaches", T0) for k in range(5)],
        ),
        (new, [item(f"n{k}", f"Volcano number {k} erupts near island town", later) for k in range(5)]),
    ]
    store.apply_fetches(
        [
            (feed, FetchOutcome(feed_url=feed.url, status=200, parsed=ParsedFeed(None, None, tuple(items))))
            for feed, items in batch
        ]
    )
    story_rows_match_items(store)
    assert store._conn.execute("SELECT COUNT(DISTINCT story_id) FROM items").fetchone()[0] == 10


def test_a_batch_that_rolls_back_leaves_nothing_behind_in_the_stories(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    *fs, other = feeds(store, 5)
    store_items(store, other, [item("o", "Volcanoes helped life survive ice ages")])  # the index is warm
    real = Store._apply_one
    calls = {"n": 0}

    def flaky(self: Store, c: sqlite3.Connection, feed: Feed, outcome: FetchOutcome) -> tuple[int, int]:
        calls["n"] += 1
        if calls["n"] == 3:  # the third feed of the batch fails after two were grouped: the batch rolls back
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, c, feed, outcome)

    monkeypatch.setattr(Store, "_apply_one", flaky)
    batch = [
        (f, FetchOutcome(feed_url=f.url, status=200, parsed=ParsedFeed(None, None, (item(f"k{i}", t),))))
        for f, (i, t) in zip(fs, enumerate(MALAYSIA), strict=True)
    ]
    store.apply_fetches(batch)  # then each feed on its own: all four stored
    monkeypatch.undo()
    store.merge_stories()
    assert store.count() == 5
    assert len({story_of(store, f, f"k{i}") for i, f in enumerate(fs)}) == 1
    story_rows_match_items(store)  # no item of the rolled-back batch counted in any story


def with_summary(key: str, title: str, summary: str, when: datetime = T0) -> ParsedItem:
    return ParsedItem(
        key=key,
        title=title,
        link=f"https://example.org/{key}",
        published=when,
        content_hash=key,
        summary=f"<p>{summary}</p>",
    )


def test_the_lead_of_a_summary_stands_in_for_a_headline_that_says_nothing(store: Store) -> None:
    a, b, c = feeds(store, 3)
    quake = "A magnitude 6.8 earthquake struck off the coast of northern Chile, cutting power to Iquique"
    store_items(store, a, [with_summary("a", "Live updates", quake + ". More soon.")])
    store_items(store, b, [with_summary("b", "What we know", quake + " on Tuesday night.")])
    store_items(
        store, c, [with_summary("c", "Live updates", "Parliament passed the budget bill late on Monday.")]
    )
    store.merge_stories()
    assert story_of(store, a, "a") == story_of(store, b, "b") != story_of(store, c, "c")


def test_a_shared_lead_never_joins_headlines_that_disagree(store: Store) -> None:
    a, b = feeds(store, 2)
    boilerplate = "Sign up for the morning newsletter from our award winning politics desk in Washington."
    store_items(
        store, a, [with_summary("a", "Senate passes farm subsidy bill after long debate", boilerplate)]
    )
    store_items(
        store, b, [with_summary("b", "Storm knocks out power across coastal Maine towns", boilerplate)]
    )
    store.merge_stories()
    assert story_of(store, a, "a") != story_of(store, b, "b")


def test_extracted_full_text_places_an_item_its_headline_could_not(store: Store) -> None:
    from reader.models import Article

    a, b, c = feeds(store, 3)
    store_items(store, a, [item("a", "Chile earthquake: magnitude 6.8 quake strikes off northern coast")])
    store_items(store, b, [item("b", "Live updates")])  # no summary: nothing to go on yet
    store_items(store, c, [item("c", "Live updates")])
    store.merge_stories()
    assert story_of(store, b, "b") != story_of(store, a, "a")
    text = "A magnitude 6.8 earthquake struck off the northern coast of Chile on Tuesday. Power was cut."
    article = Article(None, None, None, text, text, 16, 1)
    b_id = store._conn.execute("SELECT id FROM items WHERE feed_id = ?", (b.id,)).fetchone()[0]
    store.store_article(b_id, article, "https://example.org/b")
    store.merge_stories()
    assert story_of(store, b, "b") == story_of(store, a, "a") != story_of(store, c, "c")
    story_rows_match_items(store)


def test_the_lead_is_read_for_a_headline_that_says_little_and_only_then() -> None:
    from reader.stories.terms import split_story_terms, story_terms

    lead = "The Federal Reserve raised interest rates on Wednesday, the third rise this year."
    made = story_terms("Fed moves", lead)
    assert made.startswith("fed move|") and "reserve" in made
    assert split_story_terms(made)[1] == 2
    # A headline that says what happened is grouped by itself: the summary adds nothing.
    assert story_terms("Fed raises rates", lead) == story_terms("Fed raises rates") == "fed raise rate"
    assert split_story_terms("fed raise rate") == (["fed", "raise", "rate"], 3)
    huge = " ".join(f"word{i}" for i in range(200_000))  # a megabyte of summary: only its lead is read
    assert len(story_terms("Live updates", huge).split("|")[1].split()) == MAX_TEXT_TERMS
    assert story_terms("速報", "日本銀行が追加緩和を決定した。市場は好感。").startswith("速報|日本 本銀 銀行")
    # The text may come as a function making it: called only when the lead is read.
    calls: list[int] = []

    def text() -> str:
        calls.append(1)
        return lead

    assert story_terms("Fed raises rates", text) == "fed raise rate" and calls == []
    assert story_terms("Fed moves", text) == made and calls == [1]


def test_grouping_functions_respect_same_feed_and_time_guards() -> None:
    c = grouping.Candidate(1, size=3, feed_count=1, first_feed=7, first_t=0, last_t=100, counts={"x": 3})
    assert not grouping.admissible(c, 7, 50, 50)  # a single-feed story never takes that feed's items
    assert grouping.admissible(c, 8, 50, 50)
    assert not grouping.admissible(c, 8, grouping.MAX_SPAN + 1000, grouping.MAX_SPAN + 1000)


def _reference_best(
    terms: list[str], weights: dict[str, float], cands: list[grouping.Candidate], ntitle: int | None, t: int
) -> int | None:
    """`best_story` as the rule reads: `shared`, then `affinity` over `staleness`, for each candidate."""
    best, best_score = None, 0.0
    for c in cands:
        if grouping.shared(terms, c.counts, ntitle) < grouping.MIN_SHARED:
            continue
        score = grouping.affinity(terms, weights, c.counts, c.size, ntitle) / grouping.staleness(c, t, t)
        if score > best_score or (score == best_score and best is not None and c.story_id < best):
            best, best_score = c.story_id, score
    return best if best_score >= grouping.JOIN else None


def test_scoring_shortcuts_give_the_rule_s_own_results() -> None:
    """The scoring the index runs (weights made once per item, shared terms counted in the same pass, merge
    members prepared once) picks what the rule's own functions pick, to the last bit of every score."""
    import random

    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(40)]
    weights = {w: rng.uniform(0.1, 6.0) for w in vocab}
    picked = 0
    for trial in range(300):
        cands = [
            grouping.Candidate(
                sid,
                size=rng.randint(1, 30),
                feed_count=2,
                first_feed=1,
                first_t=rng.randint(0, 3 * 86400),
                last_t=3 * 86400 + rng.randint(0, 86400),
                counts={w: float(rng.randint(1, 5)) for w in rng.sample(vocab, rng.randint(1, 12))},
            )
            for sid in range(1, rng.randint(2, 9))
        ]
        terms = rng.sample(vocab, rng.randint(2, 10))
        ntitle = None if trial % 2 else rng.randint(1, len(terms))
        t = 2 * 86400
        want = _reference_best(terms, weights, cands, ntitle, t)
        assert grouping.best_story(terms, weights, cands, ntitle, t) == want
        picked += want is not None
        members = [
            (m, len(m)) for m in (rng.sample(vocab, rng.randint(1, 8)) for _ in range(rng.randint(1, 6)))
        ]
        prepared = grouping.prepare_members([m for m, _ in members], weights)
        for c in cands:
            assert grouping.prepared_merge_score(prepared, c.counts, c.size) == grouping.merge_score(
                members, weights, c.counts, c.size
            )
    assert 30 < picked < 270  # both outcomes were exercised


# ------------------------------------------------------------------ marks and re-grouping


def test_marking_a_story_read_marks_every_item_and_new_items_make_it_unread(store: Store) -> None:
    a, b, c = feeds(store, 3)
    store_items(store, a, [item("a", "Edward Snowden speaks at SXSW via video link")])
    store_items(store, b, [item("b", "Snowden tells SXSW the NSA is setting fire to the internet")])
    sid = story_of(store, a, "a")
    changed = store.mark_story_read(sid)
    assert len(changed) == 2 and store.count(View(kind=ViewKind.UNREAD)) == 0
    store.set_read(changed, False)  # undo
    assert store.count(View(kind=ViewKind.UNREAD)) == 2
    store.mark_story_read(sid)
    store_items(store, c, [item("c", "Snowden at SXSW: NSA setting fire to the future of the internet")])
    assert story_of(store, c, "c") == sid
    store.merge_stories()  # after each poll: writes the stories' rows
    [story] = [s for s in store.stories() if s.id == sid]
    assert story.rejoined and story.unread_count == 1
    assert [s.id for s in store.stories(unread_only=True)] == [sid]


def test_a_folded_row_counts_its_own_outlet_s_follow_ups(store: Store) -> None:
    a, b = feeds(store, 2)
    store_items(store, a, [item("a", "Edward Snowden speaks at SXSW via video link")])
    store_items(store, b, [item("b", "Snowden tells SXSW the NSA is setting fire to the internet")])
    later = T0 + timedelta(hours=3)
    store_items(store, a, [item("a2", "Snowden at SXSW: NSA is setting fire to the internet", later)])
    sid = story_of(store, a, "a")
    assert story_of(store, a, "a2") == story_of(store, b, "b") == sid
    [row] = store.headlines(View(fold_stories=True))  # one row: the story's newest item
    assert (row.title, row.from_feed, row.others) == (
        "Snowden at SXSW: NSA is setting fire to the internet",
        2,
        1,
    )
    rows = {h.title: h for h in store.headlines(View())}  # unfolded: each item says the same of its outlet
    assert rows["Edward Snowden speaks at SXSW via video link"].from_feed == 2
    assert rows["Snowden tells SXSW the NSA is setting fire to the internet"].from_feed == 1


def test_regroup_rebuilds_the_same_stories(store: Store) -> None:
    a, b, c = feeds(store, 3)
    store_items(store, a, [item("a", "UniCredit posts record loss on bad loans")])
    store_items(store, b, [item("b", "UniCredit record loss: bad loans writedown")])
    store_items(store, c, [item("c", "Volcanoes helped species survive ice ages")])
    store.merge_stories()
    before = story_of(store, a, "a") == story_of(store, b, "b") != story_of(store, c, "c")
    seen: list[tuple[int, int]] = []
    assert store.group_pending(lambda done, total: seen.append((done, total)), restart=True) == 3
    assert before and story_of(store, a, "a") == story_of(store, b, "b") != story_of(store, c, "c")
    assert seen[-1] == (3, 3)


def test_an_archive_from_before_stories_is_grouped_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute(
        "INSERT INTO feeds (id, url, added_at) VALUES (1, 'https://a/', '2014-01-01'), (2, 'https://b/', '2014-01-01')"
    )
    for i, (feed, title) in enumerate(
        [
            (1, "Jaguars to install world's largest HD LED displays"),
            (2, "Jaguars unveil world's largest HD LED screens"),
        ]
    ):
        conn.execute(
            "INSERT INTO items (id, feed_id, key, title, sort_date, first_seen, last_seen, content_hash) "
            "VALUES (?, ?, ?, ?, '2014-03-10T12:00:00+00:00', '2014-03-10', '2014-03-10', 'h')",
            (i + 1, feed, f"k{i}", title),
        )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        assert store.ungrouped_count() == 2
        assert store.group_pending() == 2
        assert store.ungrouped_count() == 0
        ids = store.story_ids([1, 2])
        assert ids[1] == ids[2] is not None
    finally:
        store.close()


# ------------------------------------------------------------------ topics


def test_topics_count_unread_matches_and_announce_new_ones_once(store: Store) -> None:
    (a,) = feeds(store, 1)
    store_items(store, a, [item("old", "Export controls tightened")])
    store.sync_topics({"exports": '"export controls" OR "entity list"'})
    assert store.take_topic_matches() == []  # what was there before the topic is not news
    store_items(store, a, [item("n1", "Firm added to the entity list"), item("n2", "Weather today")])
    [topic] = store.topics()
    assert topic.name == "exports" and topic.unread_count == 2
    [match] = store.take_topic_matches()
    assert match.name == "exports" and match.count == 1 and match.titles == ("Firm added to the entity list",)
    assert store.take_topic_matches() == []
    view = View(kind=ViewKind.TOPIC, topic="exports", topic_query=store.topic_query("exports"))
    assert {h.title for h in store.headlines(view)} == {
        "Export controls tightened",
        "Firm added to the entity list",
    }
    store.sync_topics({})
    assert store.topics() == []


def test_config_topics_are_checked_with_the_key_named() -> None:
    config = parse_config("[topics]\nexports = '\"export controls\" OR sanctions'\n")
    assert dict(config.topics) == {"exports": '"export controls" OR sanctions'}
    with pytest.raises(ConfigError) as err:
        parse_config("[topics]\nbroken = '\"unclosed'\n")
    assert "topics.broken" in str(err.value) and ":2:" in str(err.value)
    with pytest.raises(ConfigError, match=r"topics\.n"):
        parse_config("[topics]\nn = 3\n")


def test_a_failure_while_grouping_never_costs_the_items(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    (a,) = feeds(store, 1)

    def broken(*args: object, **kw: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Store, "_group_items", broken)
    store_items(store, a, [item("x", "Regulator fines bank over sanctions breaches")])
    assert store.count() == 1 and store.ungrouped_count() == 1
    assert store.count(View(fold_stories=True)) == 1  # an item not grouped yet is a row of its own
    monkeypatch.undo()
    assert store.group_pending() == 1 and store.ungrouped_count() == 0


def test_a_store_with_grouping_off_stores_items_without_stories_until_it_is_on(store: Store) -> None:
    a, b = feeds(store, 2)
    store.group_stories = False  # [stories] group = false (the services set it from the config)
    store_items(store, a, [item("a1", "Chiquita to buy Fyffes, creating world's biggest banana company")])
    store_items(store, b, [item("b1", "Chiquita and Fyffes merge to form world's largest banana supplier")])
    assert store.merge_stories() == 0 and store.group_pending() == 0
    assert store.ungrouped_count() == 2 and store.stories() == []
    store.group_stories = True
    assert store.group_pending() == 2
    assert story_of(store, a, "a1") == story_of(store, b, "b1")


def test_a_term_in_hundreds_of_stories_neither_finds_candidates_nor_hides_real_matches() -> None:
    from reader.stories.index import SATURATED, StoryIndex

    index = StoryIndex(1)
    t = int(T0.timestamp())
    iso = T0.isoformat()
    for n in range(3 * SATURATED):  # news nobody else reports, each with one very common word
        index.group(n + 1, n + 1, ("common", f"unique{n}", f"other{n}"), t, iso, None, True)
    assert SATURATED < len(index.postings["common"]) <= SATURATED + 1  # no entries past the bound
    first, joined = index.group(10_001, 9001, ("alpha", "beta", "common"), t, iso, None, True)
    again, joined_again = index.group(10_002, 9002, ("alpha", "beta", "common", "gamma"), t, iso, None, True)
    assert not joined and joined_again and again == first
    story = index.story(first)
    assert story is not None and story.size == 2 and story.counts["common"] == 2.0
    # One-item stories are kept as fields until needed whole, and made whole with the same figures.
    lone = index.story(1)
    assert lone is not None and lone.size == 1 and lone.members == [(1, ("common", "unique0", "other0"), 3)]
    assert 1 in index and 1 not in index.singles


def test_a_headline_sharing_one_word_with_each_of_two_stories_stays_on_its_own() -> None:
    from reader.stories.index import StoryIndex

    index = StoryIndex(1)
    t = int(T0.timestamp())
    iso = T0.isoformat()
    a, _ = index.group(1, 1, ("alpha", "beta", "first"), t, iso, None, True)
    b, _ = index.group(2, 2, ("gamma", "delta", "second"), t, iso, None, True)
    # Two of its words find stories, but no story has both: a story of its own, kept as a tuple.
    c, joined = index.group(3, 3, ("alpha", "gamma", "third"), t, iso, None, True)
    assert not joined and c not in (a, b) and c in index.singles
    assert index.suspects == {}  # it could have joined nothing: nothing for the merge pass
    # Sharing two words with one story: it joins it.
    d, joined = index.group(4, 4, ("alpha", "beta", "fourth"), t, iso, None, True)
    assert joined and d == a and index.suspects.keys() == {a}
    story = index.story(c)
    assert story is not None and story.members == [(3, ("alpha", "gamma", "third"), 3)]


def test_news_joining_a_story_already_read_is_marked_in_its_row(store: Store) -> None:
    a, b = feeds(store, 2)
    store_items(store, a, [item("a", "Chiquita to buy Fyffes, creating world's biggest banana company", T0)])
    (first,) = store.headlines(View())
    assert not first.rejoined  # unread news, in a story not read yet
    store.set_read([first.id])
    later = T0 + timedelta(hours=1)
    store_items(store, b, [item("b", "Chiquita and Fyffes merge to form biggest banana company", later)])
    store.merge_stories()
    (joined,) = [h for h in store.headlines(View()) if h.feed_id == b.id]
    assert joined.rejoined and not joined.read
    (row,) = store.headlines(View(fold_stories=True))
    assert row.id == joined.id and row.rejoined  # the story's row says: news in a story you read
    store.set_read([joined.id])
    assert not any(h.rejoined for h in store.headlines(View()))


def test_a_folded_view_shows_one_row_per_story_with_its_other_outlets(store: Store) -> None:
    a, b, c = feeds(store, 3)
    store_items(store, a, [item("a", "Chiquita to buy Fyffes, creating world's biggest banana company", T0)])
    store_items(
        store,
        b,
        [item("b", "Chiquita and Fyffes merge to form biggest banana company", T0 + timedelta(hours=1))],
    )
    store_items(store, c, [item("c", "Volcanoes helped life survive ice ages", T0 + timedelta(hours=2))])
    store.merge_stories()
    folded = store.headlines(View(fold_stories=True))
    assert [(h.title[:8], h.others) for h in folded] == [("Volcanoe", 0), ("Chiquita", 1)]
    assert folded[1].feed_id == b.id  # the story's newest item stands for it
    assert store.count(View(fold_stories=True)) == 2 and store.count(View()) == 3
    unread = View(unread_only=True, fold_stories=True)
    assert store.count(unread) == len(store.headlines(unread)) == 2
    # Within a feed's view, the story's item from that feed is shown (the newer one is elsewhere).
    assert [
        h.feed_id for h in store.headlines(View(kind=ViewKind.FEED, feed_id=a.id, fold_stories=True))
    ] == [a.id]


@pytest.mark.parametrize("order", ["newest", "oldest", "feed"])
def test_folded_views_count_and_place_their_rows_as_they_list_them(store: Store, order: str) -> None:
    a, b, c = feeds(store, 3)
    titles = [
        "Chiquita to buy Fyffes, creating world's biggest banana company",
        "Chiquita and Fyffes merge to form biggest banana company",
        "Volcanoes helped life survive ice ages",
        "Ice ages: volcanoes helped life survive, study finds",
        "Regulator fines bank over sanctions breaches",
        "Court blocks new export rule for chips",
    ]
    for n, feed in enumerate((a, b, c)):
        store_items(
            store,
            feed,
            [
                item(f"{feed.id}-{k}", titles[(k + n) % len(titles)], T0 + timedelta(minutes=7 * k + n))
                for k in range(6)
            ],
        )
    store.merge_stories()
    some = [h.id for h in store.headlines(View(), 0, 50)][::3]
    store.set_read(some)
    views = [
        View(order=order, fold_stories=True),
        View(order=order, fold_stories=True, unread_only=True),
        View(order=order, fold_stories=True, kind=ViewKind.FEED, feed_id=b.id),
        View(order=order, fold_stories=True, kind=ViewKind.UNREAD),
        # Items read while an unread-only view is shown stay listed in it.
        View(order=order, fold_stories=True, unread_only=True, keep=tuple(some[:3])),
        View(order=order, fold_stories=True, kind=ViewKind.UNREAD, keep=tuple(some)),
    ]
    for view in views:
        rows = store.headlines(view, 0, 500)
        assert store.count(view) == len(rows)
        assert [store.position(view, h.id) for h in rows] == list(range(len(rows)))
    assert len(store.headlines(View(fold_stories=True), 0, 500)) < store.count(View())  # stories did fold


def test_a_new_story_of_one_item_has_its_row_with_the_times_grouping_compares(store: Store) -> None:
    # Dates before 1970 and with fractions of a second: the row's epoch seconds are those of the stored
    # sort date (to the second, floored), as the in-memory index has them.
    a, b = feeds(store, 2)
    moon = datetime(1969, 7, 20, 20, 17, 40, 500_000, tzinfo=UTC)
    late = T0 + timedelta(seconds=59, microseconds=999_999)
    store_items(store, a, [item("m", "Eagle lunar module lands in Sea of Tranquility", moon)])
    store_items(store, b, [item("t", "Thames barrier closes against record tide", late)])
    rows = store._conn.execute(
        "SELECT s.first_t, s.last_t, s.size, s.feed_count, s.first_feed, s.newest, i.sort_date, i.feed_id "
        "FROM stories s JOIN items i ON i.id = s.lead_item AND i.story_id = s.id ORDER BY s.first_t"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [(-14182940, -14182940), (1394452859, 1394452859)]
    assert all(r[2:5] == (1, 1, r[7]) and r[5] == r[6] for r in rows)
    story_rows_match_items(store)


def test_story_terms_made_by_the_parser_or_by_the_store_group_the_same(tmp_path: Path) -> None:
    # What the parse workers make with each item (its story terms) is what the store makes itself from the
    # title and summary when they did not: the same stories either way.
    from reader.feeds.parse import parse_feed

    def doc(outlet: int, titles: list[tuple[str, str]]) -> bytes:
        items = "".join(
            f"<item><title>{title}</title><guid>{outlet}-{k}</guid><description>{summary}</description>"
            f"<pubDate>Mon, 10 Mar 2014 {10 + k:02d}:00:00 GMT</pubDate></item>"
            for k, (title, summary) in enumerate(titles)
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>o</title>{items}</channel></rss>'.encode()

    lead = "Malaysia Airlines asks the public to search satellite images for the missing jet."
    docs = [
        doc(0, [(MALAYSIA[0], ""), ("Live updates", lead), ("Volcano erupts near island town", "")]),
        doc(1, [(MALAYSIA[1], ""), ("What we know", lead), ("Island town evacuated as volcano erupts", "")]),
        doc(2, [(MALAYSIA[2], ""), (MALAYSIA[3], ""), ("Daily briefing", "Markets rose and fell today.")]),
    ]
    stored = []
    for made_by_parser in (True, False):
        with Store.open(tmp_path / f"{made_by_parser}.db") as s:
            fs = feeds(s, len(docs))
            s.apply_fetches(
                [
                    (
                        f,
                        FetchOutcome(
                            feed_url=f.url,
                            status=200,
                            parsed=parse_feed(d, f.url, {}, stories=made_by_parser),
                        ),
                    )
                    for f, d in zip(fs, docs, strict=True)
                ]
            )
            s.merge_stories()
            stored.append(
                s._conn.execute("SELECT key, story_id, story_terms FROM items ORDER BY id").fetchall()
            )
    assert stored[0] == stored[1]
    by_key = {key: story for key, story, _ in stored[0]}
    stories: dict[int, set[str]] = {}
    for key, story in by_key.items():
        stories.setdefault(story, set()).add(key)
    # The news from three outlets, the two headlines that said little joined to it by their summaries' leads;
    # the volcano from two; the briefing alone.
    assert sorted(stories.values(), key=len) == [
        {"2-2"},
        {"0-2", "1-2"},
        {"0-0", "1-0", "2-0", "2-1", "0-1", "1-1"},
    ]
    assert [made for key, _, made in stored[0] if key == "0-1"] == [
        "|malaysia airline ask public search satellite image missing jet"
    ]
