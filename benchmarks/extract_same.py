"""Check that the readability pass gives byte-identical articles to a saved golden copy, and time it.

Speed work on the pass must not move a single character: save the articles of every page of the shared sets
(`../shared/corpus/{fundus-news,wcxb-articles,mozilla}`) once on the reference code, then check every change
against them. The text, the Markdown and every other field of `extract(html, None)` are compared (an
`ExtractError` is recorded and compared as such); so are, per page, the article of its first half given a URL
and a feed's content (a slice of the rest), and the feed renderings (`feed_html_to_markdown`, `html_to_text`).

    .venv/bin/python benchmarks/extract_same.py --save /tmp/xf/golden.pkl    # on the reference code
    .venv/bin/python benchmarks/extract_same.py --check /tmp/xf/golden.pkl   # after a change: 0 = identical
    .venv/bin/python benchmarks/extract_same.py --time [--rounds 3]          # median / p95 ms per set

A change meant to move the Markdown only (images became links to their address, EXTRACTOR_VERSION 10)
checks everything else with `--check golden.pkl --ignore markdown --ignore extractor_version`: for that change
all 606 entries were identical (text, title, byline, words, the feed renderings' text...), against a golden
saved on main.

`--time` runs `extract_text` on every page `--rounds` times (pages interleaved, the best of a page's rounds
kept, so that a busy moment elsewhere on the machine does not land on one page only) and prints the median
and p95 per set (`--cpu`: the process's CPU time, which time spent waiting for a core on a busy machine does
not inflate). To compare two versions in the same sitting, run it with PYTHONPATH pointing at each
version's copy of the package, alternately (`--pkg DIR` puts DIR first on sys.path).

Measured for issue 10 (the pass made faster, every article of the 303 pages byte-identical): main's pass
against this one, `benchmarks/extract.py` run alternately A, B, A, B in one sitting on the shared 2-core
machine (load about 1), median / p95 ms per page, main -> faster:
fundus-news 29.6, 31.7 / 55.7, 58.2 -> 21.1, 19.1 / 43.8, 37.7;
wcxb-articles 28.5, 29.1 / 70.3, 73.7 -> 21.7, 19.7 / 69.1, 56.6;
mozilla 22.7, 23.3 / 102.3, 105.3 -> 17.0, 15.0 / 64.6, 61.1.
Final code, a second sitting (load about 1, busier): fundus 34.1, 33.3 / 61.6, 59.9 -> 23.7, 23.1 / 48.9,
47.7; wcxb 30.9, 31.2 / 80.7, 82.7 -> 23.8, 23.7 / 74.4, 73.8; mozilla 25.3, 23.7 / 118.4, 110.2 -> 18.1,
18.4 / 70.0, 71.6. (Main's copy run from its own directory: the scorer puts the working directory first
on sys.path.)
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import pickle
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVALUATOR = ROOT.parent / "shared" / "tools" / "evaluate_extraction.py"
SETS = ("fundus-news", "wcxb-articles", "mozilla")


def _evaluator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evaluate_extraction", EVALUATOR)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the scorer at {EVALUATOR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["evaluate_extraction"] = module
    spec.loader.exec_module(module)
    return module


def load_sets(names: tuple[str, ...] = SETS) -> dict[str, list[tuple[str, str]]]:
    """Each set's pages as (id, html), loaded as the evaluator loads them."""
    ev = _evaluator()
    data = ROOT.parent / "shared" / "corpus"
    return {name: [(p.id, p.html) for p in ev.load_pages(data, name)] for name in names}


def articles(sets: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, Any]]:
    """Per set and page: the article of the page, and (key `page/feed`) of the page's first half with a URL
    and a slice of the rest as the feed's content, and the feed renderings of the page and of a slice of it
    (the clean-up and the Markdown on other input)."""
    from reader.errors import ExtractError
    from reader.extract.pipeline import extract, feed_html_to_markdown, html_to_text

    def article(html: str, url: str | None = None, feed: str | None = None) -> Any:
        try:
            return dataclasses.asdict(extract(html, url, feed_content=feed))
        except ExtractError as exc:
            return f"ExtractError: {exc}"

    out: dict[str, dict[str, Any]] = {}
    for name, pages in sets.items():
        out[name] = {}
        for page_id, html in pages:
            half = len(html) // 2
            out[name][page_id] = article(html)
            out[name][f"{page_id}/feed"] = {
                "article": article(html[:half], "https://example.org/a/b", html[half : half + 30_000]),
                "markdown": feed_html_to_markdown(html, "https://example.org/"),
                "text": html_to_text(html[len(html) // 3 : len(html) // 3 + 20_000]),
            }
    return out


def _without(value: Any, ignore: frozenset[str]) -> Any:
    """`value` with the keys in `ignore` dropped from every dict in it (the nested feed article too)."""
    if isinstance(value, dict):
        return {k: _without(v, ignore) for k, v in value.items() if k not in ignore}
    return value


def check(
    golden_path: Path, sets: dict[str, list[tuple[str, str]]], ignore: frozenset[str] = frozenset()
) -> int:
    golden = _without(pickle.loads(golden_path.read_bytes()), ignore)
    now = _without(articles(sets), ignore)
    differ = 0
    total = 0
    for name, pages in golden.items():
        for page_id, want in pages.items():
            total += 1
            got = now.get(name, {}).get(page_id)
            if got != want:
                differ += 1
                fields = (
                    [k for k in want if got is None or not isinstance(got, dict) or got.get(k) != want[k]]
                    if isinstance(want, dict)
                    else ["error"]
                )
                print(f"DIFFERS {name}/{page_id}: {', '.join(fields)}")
    print(f"{total - differ} of {total} identical (a page alone, and a page cut with a feed: two entries)")
    return 1 if differ else 0


def timing(sets: dict[str, list[tuple[str, str]]], rounds: int, cpu: bool) -> None:
    from reader.extract.pipeline import extract_text

    clock = time.process_time if cpu else time.perf_counter

    best: dict[str, list[float]] = {name: [float("inf")] * len(pages) for name, pages in sets.items()}
    for _ in range(rounds):
        for name, pages in sets.items():
            for i, (_page_id, html) in enumerate(pages):
                t0 = clock()
                extract_text(html)
                best[name][i] = min(best[name][i], clock() - t0)
    for name, times in best.items():
        xs = sorted(times)
        pos = (len(xs) - 1) * 0.95
        lo = int(pos)
        hi = min(lo + 1, len(xs) - 1)
        p95 = xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
        print(
            f"{name:<14} pages {len(xs):>4}  median {statistics.median(xs) * 1000:6.1f} ms"
            f"  p95 {p95 * 1000:6.1f} ms  total {sum(xs):6.2f} s"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--save", type=Path, help="write the articles of every page here (pickle)")
    ap.add_argument("--check", type=Path, help="compare the articles of every page with this golden copy")
    ap.add_argument(
        "--ignore",
        action="append",
        default=[],
        help="--check: leave this field out of the comparison (repeatable), e.g. --ignore markdown "
        "--ignore extractor_version for a change meant to move the Markdown only",
    )
    ap.add_argument("--time", action="store_true", help="median / p95 time of extract_text per set")
    ap.add_argument("--rounds", type=int, default=1, help="--time: runs over every page (best kept)")
    ap.add_argument("--cpu", action="store_true", help="--time: this process's CPU time, not wall time")
    ap.add_argument("--set", action="append", default=[], help="only this set (repeatable)")
    ap.add_argument("--pkg", type=Path, help="import `reader` from this directory (A/B against a copy)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.pkg.resolve() if args.pkg else ROOT))
    sets = load_sets(tuple(args.set) or SETS)
    rc = 0
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_bytes(pickle.dumps(articles(sets)))
        print(f"saved {sum(len(p) for p in sets.values())} pages to {args.save}")
    if args.check:
        rc = check(args.check, sets, frozenset(args.ignore))
    if args.time:
        import reader

        print(f"reader from {Path(reader.__file__).parent}")
        timing(sets, args.rounds, args.cpu)
    return rc


if __name__ == "__main__":
    sys.exit(main())
