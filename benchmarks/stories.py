"""Benchmark story grouping: quality on labelled headlines, cost per item at 10k/100k archives, poll slowdown.

    python benchmarks/stories.py quality [--split none|story|time|publisher|random|both|all] [--csv PATH]
    python benchmarks/stories.py cost [--sizes 10000,100000]
    python benchmarks/stories.py poll [--feeds 200] [--items 50] [--runs 3] [--headlines]
    python benchmarks/stories.py writer [--feeds 200] [--items 50] [--runs 9] [--headlines]
    python benchmarks/stories.py summaries

quality: serves the development headlines (../shared/corpus/stories-dev/headlines.csv) as one RSS feed per
outlet on loopback, then runs the real CLI as the hidden check does (`reader import` an OPML, `reader fetch
--all --no-fulltext`, `reader list --json`) and scores the `story` ids with B-cubed precision/recall/F1 against
the labels. `--split story` also scores two halves of the stories (split by a hash of the label), `--split
time` the headlines before and after the median time, `--split publisher` two halves of the outlets, `--split
random` two halves of the stories for each of `--seeds` seeds, `--split all` every one of these; each half in a
fresh archive. The baseline beside it: exact normalised titles as stories, scored the same way.

summaries: a check derived from the development set (it has titles only), in process with the real parser and
store: headlines emptied of news for a third of the items with the news in their summaries, summaries restating
the headlines, and unrelated real leads (../shared/corpus/fundus-news) as summaries.

cost: builds archives of N items (the development headlines repeated, each copy shifted three days later, one
feed per outlet), then stores 1,000 more items through `Store.apply_fetch` with grouping and (baseline, same
process, same archive size) without it, and prints milliseconds per item for each, wall and CPU (the machine
may be shared: CPU is the steadier figure).

poll: first poll of the benchmark farm (benchmarks/farm.py) plus the story pass after it, as `reader fetch --all
--no-fulltext` runs them (`ReaderServices.run_fetch` under `startmode.batch`: the poll, then the merge pass in the
poller's writer thread, then mutes and topics), alternating runs with grouping on and off, each run in a fresh process given a config
file that lists the farm's feeds and sets `[stories] group = true|false` (off: the parse workers make no story
terms and the store groups nothing), with the package's byte code compiled as an install has it; prints the
median wall times and the slowdown, the median of the runs' ratios, CPU seconds of the main process and of the
parse workers, and the load average.

With `--headlines` (poll and writer), the farm's items are titled with the development headlines instead of
made-up ones (benchmarks/farm.py --titles): every item then belongs to a large story, and its 2,297 headlines
each come back in four or five feeds, as a wire story does. That is the costliest case for grouping (most items
are scored against candidate stories and the merge pass has much to look at), where the made-up titles, which
share little, are the cheapest.

writer: the part of that poll that grouping adds to, alone, in this process (no network, no parse workers): the
farm's documents parsed once (with and without story terms), then stored into a fresh store in batches of 50
feeds as the poller's writer thread stores them, plus the story pass, alternating grouping on and off; CPU
milliseconds (min of the runs, and the median of the runs' paired differences).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import hashlib
import html
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from reader.models import FetchOutcome, ParsedFeed, ParsedItem  # noqa: E402
from reader.store.feeds import Store  # noqa: E402

DEV_CSV = ROOT.parent / "shared" / "corpus" / "stories-dev" / "headlines.csv"

Row = dict[str, str]


# ------------------------------------------------------------------ scoring


def bcubed(pred: Sequence[object], gold: Sequence[object]) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1: per item, the share of its predicted group with its label and the share
    of its label's items in its predicted group, averaged over items."""
    by_pred: dict[object, list[int]] = collections.defaultdict(list)
    by_gold: dict[object, list[int]] = collections.defaultdict(list)
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        by_pred[p].append(i)
        by_gold[g].append(i)
    pairs: dict[tuple[object, object], int] = collections.Counter(zip(pred, gold, strict=True))
    n = len(pred)
    if n == 0:
        return 0.0, 0.0, 0.0
    p_sum = sum(pairs[(p, g)] / len(by_pred[p]) for p, g in zip(pred, gold, strict=True))
    r_sum = sum(pairs[(p, g)] / len(by_gold[g]) for p, g in zip(pred, gold, strict=True))
    prec, rec = p_sum / n, r_sum / n
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def load_rows(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------ one RSS feed per outlet on loopback


def rss(outlet: str, rows: Sequence[Row], summaries: dict[str, str] | None = None) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>{html.escape(outlet)}</title><link>https://example.org/</link><description>d</description>",
    ]
    for r in sorted(rows, key=lambda r: -int(r["TIMESTAMP"])):
        date = format_datetime(datetime.fromtimestamp(int(r["TIMESTAMP"]) / 1000, UTC), usegmt=True)
        summary = (summaries or {}).get(r["ID"])
        desc = f"<description>{html.escape(html.escape(summary))}</description>" if summary else ""
        parts.append(
            f"<item><title>{html.escape(r['TITLE'])}</title><link>{html.escape(r['URL'])}</link>"
            f'<guid isPermaLink="false">h{r["ID"]}</guid><pubDate>{date}</pubDate>{desc}</item>'
        )
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


@contextmanager
def serve(feeds: dict[str, bytes]) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = feeds.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def run_cli(rows: Sequence[Row], tmp: Path) -> tuple[dict[str, object], float]:
    """Serve `rows` as one feed per outlet, import + fetch + list with the real CLI; (guid -> story, fetch s)."""
    by_outlet: dict[str, list[Row]] = collections.defaultdict(list)
    for r in rows:
        by_outlet[r["PUBLISHER"]].append(r)
    outlets = sorted(by_outlet)
    docs = {f"/feed/{i}.xml": rss(name, by_outlet[name]) for i, name in enumerate(outlets)}
    with serve(docs) as port:
        opml = tmp / "feeds.opml"
        body = "".join(
            f'<outline type="rss" text="{html.escape(name, quote=True)}" '
            f'xmlUrl="http://127.0.0.1:{port}/feed/{i}.xml"/>'
            for i, name in enumerate(outlets)
        )
        opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><head/><body>{body}</body></opml>')
        config = tmp / "config.toml"
        config.write_text("")
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        base = [sys.executable, "-m", "reader", "--config", str(config), "--data-dir", str(tmp / "data")]
        subprocess.run([*base, "import", str(opml)], check=True, capture_output=True, env=env)
        t0 = time.perf_counter()
        subprocess.run(
            [*base, "fetch", "--all", "--no-fulltext", "-q"], check=True, capture_output=True, env=env
        )
        fetch_s = time.perf_counter() - t0
        out = subprocess.run([*base, "list", "--json"], check=True, capture_output=True, env=env).stdout
    items = json.loads(out)
    return {str(it["link"]): it["story"] for it in items}, fetch_s


def score(rows: Sequence[Row], tmp: Path) -> tuple[tuple[float, float, float], int, float]:
    by_link, fetch_s = run_cli(rows, tmp)
    # Links are unique in the data set; an item that did not come back counts as its own story.
    pred = [by_link.get(html.unescape(html.escape(r["URL"])), f"missing-{r['ID']}") for r in rows]
    missing = sum(1 for p in pred if isinstance(p, str) and p.startswith("missing-"))
    return bcubed(pred, [r["STORY"] for r in rows]), missing, fetch_s


def exact_titles(rows: Sequence[Row]) -> tuple[float, float, float]:
    norm = [re.sub(r"\W+", " ", r["TITLE"].casefold()).strip() for r in rows]
    return bcubed(norm, [r["STORY"] for r in rows])


def quality(args: argparse.Namespace) -> None:
    rows = load_rows(Path(args.csv))
    sets: list[tuple[str, list[Row]]] = [("all", rows)]
    if args.split in ("story", "both", "all"):
        h = [int(hashlib.sha1(r["STORY"].encode()).hexdigest(), 16) % 2 for r in rows]
        sets += [(f"stories half {k}", [r for r, x in zip(rows, h, strict=True) if x == k]) for k in (0, 1)]
    if args.split in ("publisher", "all"):
        h = [int(hashlib.sha1(r["PUBLISHER"].encode()).hexdigest(), 16) % 2 for r in rows]
        sets += [(f"outlets half {k}", [r for r, x in zip(rows, h, strict=True) if x == k]) for k in (0, 1)]
    if args.split in ("random", "all"):
        for seed in range(args.seeds):
            h = [int(hashlib.sha1(f"{seed}:{r['STORY']}".encode()).hexdigest(), 16) % 2 for r in rows]
            sets += [
                (f"stories seed {seed} half {k}", [r for r, x in zip(rows, h, strict=True) if x == k])
                for k in (0, 1)
            ]
    if args.split in ("time", "both", "all"):
        mid = statistics.median(int(r["TIMESTAMP"]) for r in rows)
        sets += [
            ("before median time", [r for r in rows if int(r["TIMESTAMP"]) < mid]),
            ("from median time", [r for r in rows if int(r["TIMESTAMP"]) >= mid]),
        ]
    print(
        f"{'set':<20} {'items':>6} {'stories':>7}  {'P':>6} {'R':>6} {'F1':>6}   baseline exact titles P/R/F1"
    )
    for name, subset in sets:
        with tempfile.TemporaryDirectory() as d:
            (p, r, f), missing, fetch_s = score(subset, Path(d))
        bp, br, bf = exact_titles(subset)
        labels = len({x["STORY"] for x in subset})
        note = f"  ({missing} items missing)" if missing else ""
        print(
            f"{name:<20} {len(subset):>6} {labels:>7}  {p:6.3f} {r:6.3f} {f:6.3f}   "
            f"{bp:.3f}/{br:.3f}/{bf:.3f}  fetch {fetch_s:.1f} s{note}"
        )


# ------------------------------------------------------------------ summaries (a derived check)

# Headlines that say nothing about the news (what some feeds give, with the news in the summary).
UNINFORMATIVE = (
    "Latest news",
    "What we know so far",
    "Here is the latest",
    "Developing story",
    "Live updates",
    "What you need to know",
    "Today's top story",
    "Read this",
)
FILLER = "Our reporters are following this story and will add more details as they become available."
FUNDUS = ROOT.parent / "shared" / "corpus" / "fundus-news"


def _hash(value: str, salt: str) -> int:
    return int(hashlib.sha1(f"{salt}:{value}".encode()).hexdigest(), 16)


def score_in_process(rows: Sequence[Row], summaries: dict[str, str], tmp: Path) -> tuple[float, float, float]:
    """Serve nothing: parse each outlet's RSS with the real parser and store it in batches of 50 feeds as a
    poll does, then the merge pass; B-cubed of the stories against the labels."""
    from reader.feeds.parse import parse_feed

    by_outlet: dict[str, list[Row]] = collections.defaultdict(list)
    for r in rows:
        by_outlet[r["PUBLISHER"]].append(r)
    store = Store.open(tmp / "s.db")
    try:
        batch = []
        for i, outlet in enumerate(sorted(by_outlet)):
            url = f"https://example.org/{i}.xml"
            feed = store.add_feed(url)
            parsed = parse_feed(rss(outlet, by_outlet[outlet], summaries), url, {})
            batch.append((feed, FetchOutcome(feed_url=url, status=200, parsed=parsed)))
            if len(batch) == 50:
                store.apply_fetches(batch)
                batch = []
        store.apply_fetches(batch)
        store.merge_stories()
        by_link = dict(store._read("SELECT link, story_id FROM items"))
    finally:
        store.close()
    pred = [by_link.get(r["URL"], f"missing-{r['ID']}") for r in rows]
    return bcubed(pred, [r["STORY"] for r in rows])


def summaries_check(args: argparse.Namespace) -> None:
    """Derived from the development set (which has titles only), in process: a third of the items (by a hash
    of their id) get a headline that says nothing; every item gets a summary whose lead is its real headline
    followed by a sentence of filler. Also: real headlines with summaries restating them, and real headlines
    with summaries from unrelated real articles (the lead paragraphs of ../shared/corpus/fundus-news, given
    out at random: the same unrelated lead on ~30 items of different stories, a worst case)."""
    rows = load_rows(Path(args.csv))
    leads = [
        (d / "expected.txt").read_text(encoding="utf-8").strip().split("\n")[0]
        for d in sorted(FUNDUS.iterdir())
        if (d / "expected.txt").exists()
    ]
    retitled = [
        {**r, "TITLE": UNINFORMATIVE[_hash(r["ID"], "t") % len(UNINFORMATIVE)]}
        if _hash(r["ID"], "pick") % 3 == 0
        else r
        for r in rows
    ]
    restating = {r["ID"]: f"{r['TITLE']}. {FILLER}" for r in rows}
    unrelated = {r["ID"]: leads[_hash(r["ID"], "lead") % len(leads)] for r in rows}
    cases: list[tuple[str, Sequence[Row], dict[str, str]]] = [
        ("real titles, no summary", rows, {}),
        ("1/3 titles empty of news", retitled, {}),
        (" + summaries with the news", retitled, restating),
        ("real titles + restating summ.", rows, restating),
        ("real titles + unrelated summ.", rows, unrelated),
    ]
    print(f"{'case':<32} {'P':>6} {'R':>6} {'F1':>6}")
    for name, subset, summ in cases:
        with tempfile.TemporaryDirectory() as d:
            p, r, f = score_in_process(subset, summ, Path(d))
        print(f"{name:<32} {p:6.3f} {r:6.3f} {f:6.3f}")


# ------------------------------------------------------------------ cost per item at archive sizes


def _outcome(url: str, items: Sequence[ParsedItem]) -> FetchOutcome:
    return FetchOutcome(
        feed_url=url, status=200, parsed=ParsedFeed(title=None, site_url=None, items=tuple(items))
    )


def _items(rows: Sequence[Row], copy: int, tag: str) -> list[ParsedItem]:
    shift = timedelta(days=3 * copy)
    out = []
    for r in rows:
        when = datetime.fromtimestamp(int(r["TIMESTAMP"]) / 1000, UTC) + shift
        key = f"{tag}-{copy}-{r['ID']}"
        out.append(ParsedItem(key=key, title=r["TITLE"], link=r["URL"], published=when, content_hash=key))
    return out


def _store_copy(store: Store, feeds: dict[str, Any], rows: Sequence[Row], copy: int, tag: str) -> int:
    by_outlet: dict[str, list[ParsedItem]] = collections.defaultdict(list)
    for r, it in zip(rows, _items(rows, copy, tag), strict=True):
        by_outlet[r["PUBLISHER"]].append(it)
    n = 0
    batch = []
    for outlet, items in by_outlet.items():
        feed = feeds.get(outlet)
        if feed is None:
            feed = feeds[outlet] = store.add_feed(f"https://example.org/{len(feeds)}.xml")
        batch.append((feed, _outcome(feed.url, items)))
        n += len(items)
    store.apply_fetches(batch)
    return n


@contextmanager
def grouping_off(store: Store) -> Iterator[None]:
    """The store's own switch ([stories] group = false sets it through the services)."""
    store.group_stories = False
    try:
        yield
    finally:
        store.group_stories = True


def cost(args: argparse.Namespace) -> None:
    """Wall and CPU (this process: the store runs in it) milliseconds per stored item, best of two runs."""
    rows = load_rows(Path(args.csv))
    print(
        f"{'archive':>8}  {'grouped ms/item':>15}  {'baseline ms/item':>16}  {'grouping ms/item':>16}"
        f"  {'grouping CPU ms/item':>20}  regroup (wall, CPU)"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as d:
            store = Store.open(Path(d) / "bench.db")
            feeds: dict[str, Any] = {}
            copies = max(1, size // len(rows))
            with grouping_off(store):
                for k in range(copies):
                    _store_copy(store, feeds, rows, k, "a")
            t0, c0 = time.perf_counter(), time.process_time()
            store.group_pending()
            regroup_s, regroup_cpu = time.perf_counter() - t0, time.process_time() - c0
            total = store.count()
            probe = rows[:1000]
            timings: dict[str, list[tuple[float, float]]] = {"on": [], "off": []}
            for rep in range(2):
                for mode in ("on", "off"):
                    tag = f"{mode}{rep}"
                    ctx = grouping_off(store) if mode == "off" else contextmanager(lambda: iter([None]))()
                    with ctx:
                        t0, c0 = time.perf_counter(), time.process_time()
                        n = _store_copy(store, feeds, probe, copies + 1 + rep, tag)
                        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                        timings[mode].append((wall * 1000 / n, cpu * 1000 / n))
            store.close()
        on, off = min(timings["on"]), min(timings["off"])
        cpu_on, cpu_off = min(c for _, c in timings["on"]), min(c for _, c in timings["off"])
        print(
            f"{total:>8,}  {on[0]:15.3f}  {off[0]:16.3f}  {on[0] - off[0]:16.3f}  {cpu_on - cpu_off:20.3f}  "
            f"{regroup_s:.1f} s, {regroup_cpu:.1f} s ({regroup_s * 1000 / total:.2f} ms/item)"
        )
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")


# ------------------------------------------------------------------ poll slowdown on the farm


def _poll_once(config_path: Path, data_dir: Path) -> tuple[float, float, float, float]:
    """(poll s, story pass and the rest of the fetch s, CPU s of this process over both, CPU s of the parse
    workers): `reader fetch --all --no-fulltext` as the CLI runs it, through the services, from the config."""
    import resource

    from reader import startmode
    from reader.config.loader import load_config
    from reader.locations import Locations
    from reader.services import ReaderServices

    config = load_config(config_path, must_exist=True)
    locations = Locations(config_path, True, data_dir, data_dir / "cache")
    locations.ensure_dirs()
    services = ReaderServices(locations, config)
    store = services.open_store()  # (adds the config's feeds)
    try:
        feeds = store.feeds()
        t0, c0 = time.perf_counter(), time.process_time()
        with startmode.batch():  # (as `reader fetch` runs its poll: reader/cli/fetch.py)
            summary = asyncio.run(services.run_fetch(store, feeds, fulltext=False))
        t1, c1 = time.perf_counter(), time.process_time()
        # The parse workers have exited (and were waited for) when run_fetch returns.
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        poll_s = summary.report.elapsed
        return poll_s, (t1 - t0) - poll_s, c1 - c0, workers.ru_utime + workers.ru_stime
    finally:
        store.close()


def poll_run(args: argparse.Namespace) -> None:
    """One first poll of the farm with the config at `args.config` (its own process), as JSON."""
    with tempfile.TemporaryDirectory() as d:
        result = _poll_once(Path(args.config), Path(d))
    print(json.dumps(result))


def write_config(path: Path, urls: Sequence[str], group: bool) -> None:
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls)
    path.write_text(f"[stories]\ngroup = {'true' if group else 'false'}\n\n{feeds}")


def poll(args: argparse.Namespace) -> None:
    from farm import feed_urls
    from poll import start_farm

    farm, port = start_farm(args.feeds, args.items, args.latency_ms, args.csv if args.headlines else None)
    times: dict[str, list[tuple[float, float, float, float]]] = {"on": [], "off": []}
    load: list[float] = []
    tmp = tempfile.TemporaryDirectory()
    configs = {mode: Path(tmp.name) / f"{mode}.toml" for mode in ("on", "off")}
    for mode, path in configs.items():
        write_config(path, feed_urls(port, args.feeds), mode == "on")
    # As installed, with the byte code compiled (this sandbox sets PYTHONDONTWRITEBYTECODE: each run would
    # compile every module it imports, and "on" imports the grouping modules too).
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "reader")], check=True, env=env)
    try:
        for _ in range(args.runs):
            for mode in ("off", "on"):
                # Each run in a fresh process (its parse workers too), grouping on or off for all of it by
                # its config file ([stories] group): off makes no story terms and groups nothing.
                load.append(os.getloadavg()[0])
                cmd = [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "poll-run",
                    "--config",
                    str(configs[mode]),
                ]
                out = subprocess.run(cmd, check=True, capture_output=True, env=env, text=True).stdout
                poll_s, merge_s, cpu, workers = json.loads(out.strip().splitlines()[-1])
                times[mode].append((poll_s, merge_s, cpu, workers))
    finally:
        farm.terminate()
        farm.wait(timeout=10)
        tmp.cleanup()

    def med(mode: str, parts: Sequence[int]) -> float:
        return statistics.median(sum(t[p] for p in parts) for t in times[mode])

    titled = "development headlines" if args.headlines else "made-up titles"
    print(f"farm {args.feeds} x {args.items} ({titled}), {args.runs} alternating runs each, medians:")
    for label, parts in (
        ("first poll (wall)", (0,)),
        ("story pass etc. after", (1,)),
        ("poll + story pass", (0, 1)),
        ("CPU, main process", (2,)),
        ("CPU, parse workers", (3,)),
    ):
        off, on = med("off", parts), med("on", parts)
        change = f"{100 * (on - off) / off:+.1f}%" if off > 0.01 else ""
        print(f"  {label:<20}: grouping off {off:6.2f} s   on {on:6.2f} s   {change}")
    pairs = [(on[0] + on[1]) / (off[0] + off[1]) for off, on in zip(times["off"], times["on"], strict=True)]
    print(
        f"  poll + story pass, median of the runs' on/off ratios: {100 * (statistics.median(pairs) - 1):+.1f}%"
    )
    for mode in ("off", "on"):
        runs = ", ".join(f"{a:.2f}/{b:.2f}" for a, b, _, _ in times[mode])
        print(f"  runs {mode:<3} (poll/after s): {runs}")
    print(f"  load average (1 min) at the runs' starts: {min(load):.1f} to {max(load):.1f}")


def writer(args: argparse.Namespace) -> None:
    import gc

    from farm import feed_body, load_titles

    from reader.feeds.parse import parse_feed
    from reader.stories import index  # noqa: F401  (imported once up front, as the first poll of a process does)

    now = datetime(2024, 1, 2, tzinfo=UTC)
    titles = load_titles(args.csv) if args.headlines else ()
    parsed = {
        mode: [
            parse_feed(feed_body(i, args.items, titles), f"http://x/{i}", {}, now=now, stories=mode == "on")
            for i in range(args.feeds)
        ]
        for mode in ("off", "on")
    }
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(args.runs):
        for mode in ("off", "on"):
            with tempfile.TemporaryDirectory() as d:
                store = Store.open(Path(d) / "w.db")
                store.group_stories = mode == "on"
                feeds = [store.add_feed(f"http://x/{i}") for i in range(args.feeds)]
                gc.collect()
                c0 = time.process_time()
                for start in range(0, args.feeds, 50):
                    store.apply_fetches(
                        [
                            (
                                feeds[i],
                                FetchOutcome(feed_url=feeds[i].url, status=200, parsed=parsed[mode][i]),
                            )
                            for i in range(start, min(start + 50, args.feeds))
                        ]
                    )
                store.merge_stories()
                cpu[mode].append(time.process_time() - c0)
                store.close()
    off, on = min(cpu["off"]) * 1000, min(cpu["on"]) * 1000
    paired = statistics.median((b - a) * 1000 for a, b in zip(cpu["off"], cpu["on"], strict=True))
    items = args.feeds * args.items
    titled = "development headlines" if args.headlines else "made-up titles"
    print(
        f"farm {args.feeds} x {args.items} ({titled}) stored in batches of 50 feeds, {args.runs} runs each, "
        "CPU ms:"
    )
    print(f"  grouping off {off:.1f}   on {on:.1f}   +{on - off:.1f} ({100 * (on - off) / off:+.1f}%)")
    print(
        f"  median of the runs' paired differences: {paired:+.1f} ms ({paired * 1000 / items:.2f} us per item)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default=str(DEV_CSV))
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument(
        "--split", choices=("none", "story", "time", "publisher", "random", "both", "all"), default="both"
    )
    q.add_argument("--seeds", type=int, default=3, help="random story halves for --split random/all")
    c = sub.add_parser("cost")
    c.add_argument("--sizes", default="10000,100000")
    pr = sub.add_parser("poll-run")
    pr.add_argument("--config", required=True)
    p = sub.add_parser("poll")
    p.add_argument("--feeds", type=int, default=200)
    p.add_argument("--items", type=int, default=50)
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--runs", type=int, default=3)
    sub.add_parser("summaries")
    w = sub.add_parser("writer")
    w.add_argument("--feeds", type=int, default=200)
    w.add_argument("--items", type=int, default=50)
    w.add_argument("--runs", type=int, default=9)
    for sp in (p, w):
        sp.add_argument(
            "--headlines",
            action="store_true",
            help="title the farm's items with the development headlines (--csv), not made-up ones",
        )
    args = ap.parse_args(argv)
    run: dict[str, Callable[[argparse.Namespace], None]] = {
        "quality": quality,
        "cost": cost,
        "poll": poll,
        "summaries": summaries_check,
        "poll-run": poll_run,
        "writer": writer,
    }
    run[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
