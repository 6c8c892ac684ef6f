"""The in-memory story index one poll groups against (pure: no database, no I/O).

It holds the stories of a span of publication times: for each story its items' terms, feeds and times, and for
each term the stories that use it (an inverted index: `postings.StoryPostings`). The store loads it from the
items table for the span a batch of new items needs, then groups the items here in memory and writes back only
what changed, so grouping costs a few dictionary operations per item rather than a few queries. After a poll,
the merge pass joins stories that new items showed to be one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reader.stories import grouping as g
from reader.stories.postings import SATURATED, IndexedStory, StoryPostings
from reader.stories.terms import split_story_terms

__all__ = ["SATURATED", "IndexedStory", "StoryIndex"]

_MAX_POSTINGS = g.MAX_POSTINGS
_MIN_SHARED = g.MIN_SHARED


class StoryIndex(StoryPostings):
    """Groups new items into the index's stories (`group`, `group_many`) and merges stories (`merge_pass`)."""

    def group(
        self,
        item_id: int,
        feed_id: int,
        terms: Sequence[str],
        t: int,
        iso: str,
        ntitle: int | None = None,
        defer_row: bool = False,
    ) -> tuple[int, bool]:
        """Put a new item in its story (a new one when none fits); returns (story id, joined an existing one).

        With `defer_row`, a story made of this item alone is not marked for writing: the caller writes the
        rows of such stories (`new_single_rows`), all at once.

        `terms[:ntitle]` come from its title, the rest (if any) from the lead of its summary or text; text
        terms too common in the index to tell stories apart (boilerplate, filler) are left out.

        The stories this item could have joined (and the one it did) are remembered in `suspects`: they are
        the only ones the merge pass after a poll needs to look at, since a merge needs an item linking two
        stories."""
        if ntitle is None or ntitle >= len(terms):
            before = self.next_id
            story_id = self.group_many((item_id,), (feed_id,), (" ".join(terms),), (t,), (iso,), defer_row)[0]
            return story_id, story_id < before
        return self._group_text(item_id, feed_id, terms, t, iso, ntitle, defer_row)

    def group_many(
        self,
        ids: Iterable[int],
        feed_ids: Iterable[int],
        made: Iterable[str],
        times: Iterable[int],
        isos: Iterable[str],
        defer_row: bool = False,
    ) -> list[int]:
        """`group` for new items in turn, given field by field (in step): ids, feed ids, what
        `reader.stories.terms.story_terms` made of each (title terms, space-separated, then "|" and the lead's
        if any), publication times (epoch seconds) and ISO times. Returns their story ids.

        Titles alone (most items), and most of them news nobody else reports yet, take the lean path here,
        in one loop over the batch: one pass over an item's terms counts them, tells whether candidates are to
        be looked for at all (at least two of its terms distinctive, as the postings were before the item, and
        some story among the postings of two of them) and enters the item as a story of its own, which keeps
        the string its terms came in. When candidates are to be looked for after all (few items), that entry
        is taken back first, and `_place` puts the item in the story found (or, none found, it is entered
        again as before)."""
        out: list[int] = []
        df, postings, singles, new_singles = self.df, self.postings, self.singles, self.new_singles
        df_get, postings_get = df.get, postings.get
        ints_extend, strs = self._single_ints.extend, self._single_strs
        docs, best = self.docs, self.next_id
        for item_id, feed_id, m, t, iso in zip(ids, feed_ids, made, times, isos, strict=True):
            if "|" in m:  # with terms from the lead of its summary or text
                split, ntitle = split_story_terms(m)
                if ntitle < len(split):
                    self.docs, self.next_id = docs, best
                    out.append(self._group_text(item_id, feed_id, split, t, iso, ntitle, defer_row)[0])
                    docs, best = self.docs, self.next_id
                    continue
                m = " ".join(split)  # (a lead that added nothing: the title's terms alone)
            terms = m.split()
            docs += 1
            cap = docs // 20 if docs > 1000 else 50
            usable = 0
            # The postings lists that can find candidates, and whether a story is in two of them (else no
            # story can share enough terms: no need to look). A list is compared before this item enters it.
            first: dict[int, float] | None = None
            lists: list[dict[int, float]] | None = None
            overlap = False
            for w in terms:
                n = df_get(w, 0) + 1
                df[w] = n
                p = postings_get(w)
                if p is None:
                    postings[w] = {best: 1.0}
                else:
                    size = len(p)
                    if n <= cap and size <= _MAX_POSTINGS:
                        usable += 1
                        if first is None:
                            first = p
                        elif not overlap:
                            if lists is None:
                                lists = [first]
                            overlap = not all(map(p.keys().isdisjoint, lists))
                            lists.append(p)
                    if size <= SATURATED:
                        p[best] = 1.0
            if usable >= _MIN_SHARED and overlap:
                for w in terms:  # taken back: the postings as they were before this item
                    p = postings_get(w)
                    if p is not None and p.pop(best, None) is not None and not p:
                        del postings[w]
                self.docs, self.next_id = docs, best
                found = self._candidates(terms, None, None, _MIN_SHARED, feed_id, t, t)
                if found:
                    out.append(
                        self._place(
                            item_id,
                            feed_id,
                            tuple(terms),
                            len(terms),
                            False,
                            t,
                            iso,
                            defer_row,
                            None,
                            usable,
                            found,
                        )[0]
                    )
                    docs, best = self.docs, self.next_id
                    continue
                for w in terms:  # no candidate after all (most): entered again, as a story of its own
                    p = postings_get(w)
                    if p is None:
                        postings[w] = {best: 1.0}
                    elif len(p) <= SATURATED:
                        p[best] = 1.0
            out.append(best)
            if defer_row:  # (its row is written by the caller: `new_singles`)
                singles[best] = len(strs) >> 1  # (kept as fields: see `singles`)
                ints_extend((item_id, feed_id, t))
                strs.extend((iso, m))
                new_singles.append(best)
            else:
                story = self.stories[best] = IndexedStory.of_one(best, item_id, feed_id, t, iso, tuple(terms))
                story.changed = True
                self.changed.add(best)
            best += 1
        self.docs, self.next_id = docs, best
        return out

    def _group_text(
        self,
        item_id: int,
        feed_id: int,
        terms: Sequence[str],
        t: int,
        iso: str,
        ntitle: int,
        defer_row: bool,
    ) -> tuple[int, bool]:
        """`group` for an item with terms from the lead of its summary or text (`terms[ntitle:]`)."""
        df = self.df
        confirm = False
        cap = self._cap()
        text: list[str] = []
        for w in terms[ntitle:]:
            n = df.get(w, 0)
            if n <= cap:
                text.append(w)
            df[w] = n + 1  # counted all the same, so boilerplate is known as such
        if ntitle < g.MIN_TITLE_TERMS:
            terms = (*terms[:ntitle], *text)
            ntitle = len(terms)  # a headline that says little: its lead stands in for it
        elif text:
            terms = (*terms[:ntitle], *text)
            confirm = True
        else:
            terms = terms[:ntitle]
        self.docs += 1
        title = terms[:ntitle] if confirm else terms
        # One pass counts the title's terms and tells whether enough of them are distinctive to look for
        # candidates at all, keeping their postings for a story of its own.
        postings = self.postings
        cap = self._cap()
        seen: list[dict[int, float] | None] = []
        usable = 0
        for w in title:
            n = df.get(w, 0) + 1
            df[w] = n
            p = postings.get(w)
            seen.append(p)
            if p is not None and n <= cap and len(p) <= _MAX_POSTINGS:
                usable += 1
        return self._place(item_id, feed_id, terms, ntitle, confirm, t, iso, defer_row, seen, usable)

    def _place(
        self,
        item_id: int,
        feed_id: int,
        terms: Sequence[str],
        ntitle: int,
        confirm: bool,
        t: int,
        iso: str,
        defer_row: bool,
        looked: list[dict[int, float] | None] | None,
        usable: int,
        found: list[IndexedStory] | None = None,
    ) -> tuple[int, bool]:
        """`group` once the item's terms are counted: its best story, or a new one. `looked`: the postings of
        its title terms as they were before it (None: read them again); `usable`: how many of them can find
        candidates; `found`: the candidates, when the caller has looked for them already."""
        postings = self.postings
        title = terms[:ntitle] if confirm else terms
        best: int | None = None
        if found is None:
            found = (
                self._candidates(title, None, None, g.MIN_SHARED, feed_id, t, t)
                if usable >= g.MIN_SHARED
                else []
            )
        if found:
            ok = [s for s in found if g.admissible(s, feed_id, t, t)]
            if ok:
                weights = self.weights(terms)
                best = g.best_story(title, weights, ok, None, t)
                if best is None and confirm:
                    best = g.confirmed_story(terms, ntitle, weights, ok, t)
        terms = tuple(terms)
        joined = best is not None
        if best is None:  # a story of its own (most items): made whole at once, not through `_attach`
            best = self.next_id
            self.next_id += 1
            if confirm:
                counts = {w: (1.0 if i < ntitle else g.TEXT_WEIGHT) for i, w in enumerate(terms)}
            else:
                counts = dict.fromkeys(terms, 1.0)
            story = self.stories[best] = IndexedStory(
                best, t, t, iso, item_id, t, feed_id, {feed_id: 1}, counts, [(item_id, terms, ntitle)], 1
            )
            if confirm or found or looked is None:  # (postings may have changed since they were looked at)
                for w, weight in counts.items():
                    p = postings.get(w)
                    if p is None:
                        postings[w] = {best: weight}
                    elif len(p) <= SATURATED:
                        p[best] = weight
            else:
                for w, p in zip(terms, looked, strict=True):
                    if p is None:
                        postings[w] = {best: 1.0}
                    elif len(p) <= SATURATED:
                        p[best] = 1.0
            if defer_row:  # (its row is written by the caller: `new_singles`)
                self.new_singles.append(best)
            else:
                story.changed = True
                self.changed.add(best)
        else:
            story = self.stories[best]  # (a candidate: made whole by `_candidates`)
            self._attach(story, item_id, feed_id, terms, ntitle, t, iso)
            story.changed = True
            self.changed.add(best)
        if found:
            suspects = self.suspects
            suspects[best] = t
            for c in found:
                suspects[c.id] = t
        return best, joined

    # ------------------------------------------------------------------ merging

    def merge_pass(self, story_ids: Iterable[int], max_rounds: int = 6) -> int:
        """Merge each of `story_ids` (smallest first) into a larger story its items fit; returns merges."""
        pending = set(story_ids)
        total = 0
        for _ in range(max_rounds):
            merged = 0
            order = sorted(
                (sid for sid in pending if sid in self.stories), key=lambda i: (self.stories[i].size, i)
            )
            touched: set[int] = set()
            for sid in order:
                a = self.stories.get(sid)
                if a is None or a.size > g.MAX_MERGE_ITEMS:
                    continue
                into = self._merge_target(a)
                if into is not None:
                    self._absorb(into, a)
                    touched.add(into.id)
                    merged += 1
            total += merged
            if not merged:
                break
            pending = touched | {sid for sid in pending if sid in self.stories}
        return total

    def _merge_target(self, a: IndexedStory) -> IndexedStory | None:
        if not a.counts:
            return None
        feed = a.first_feed if len(a.feeds) <= 1 else -1
        # Merges go by headlines (terms some item's title gave: a count of at least one item's).
        terms = [w for w, n in a.counts.items() if n >= 1.0]
        found = self._candidates(terms, None, a.id, g.MIN_SHARED, feed, a.first_t, a.last_t)
        candidates = [s for s in found if s.size >= a.size and g.admissible(s, feed, a.first_t, a.last_t)]
        if not candidates:
            return None
        weights = self.weights(a.counts)
        members = g.prepare_members([mt[:n] for _, mt, n in a.members if n], weights)
        best: IndexedStory | None = None
        best_score = 0.0
        for c in candidates:
            score = g.prepared_merge_score(members, c.counts, c.size) / g.staleness(c, a.first_t, a.last_t)
            if score > best_score:
                best, best_score = c, score
        return best if best is not None and best_score >= g.MERGE else None

    def _absorb(self, into: IndexedStory, a: IndexedStory) -> None:
        postings = self.postings
        for w, n in a.counts.items():
            p = postings.get(w)
            if p is None:
                postings[w] = {into.id: n}
            elif p.pop(a.id, None) is not None or into.id in p or len(p) <= SATURATED:
                p[into.id] = p.get(into.id, 0) + n
            into.counts[w] = into.counts.get(w, 0) + n
        for f, n in a.feeds.items():
            into.feeds[f] = into.feeds.get(f, 0) + n
        into.members.extend(a.members)
        into.size += a.size
        into.loaded = into.loaded or a.loaded
        if (a.lead_t, a.lead_item) < (into.lead_t, into.lead_item):
            into.lead_item, into.lead_t = a.lead_item, a.lead_t
        into.first_t = min(into.first_t, a.first_t)
        into.last_t = max(into.last_t, a.last_t)
        into.newest = max(into.newest, a.newest)
        into.changed = True
        self.changed.add(into.id)
        del self.stories[a.id]
        self.moved.append((into.id, a.id))
        self.dropped.append(a.id)
