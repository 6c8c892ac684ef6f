"""Benchmark the readability pass against readability-lxml alone on the Mozilla test pages.

Prints mean precision/recall/F1 (token 4-shingles, as shared/tools/evaluate_extraction.py defines them),
per-page median and p95 time, and the number of empty outputs, for `reader.extract.pipeline` and for the baseline
`Document(html).summary(html_partial=True)` -> text, in the same run.

    .venv/bin/python benchmarks/extract.py [--data ../shared/corpus/mozilla/test-pages] [--limit N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
from readability import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reader.extract.pipeline import extract_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from shingle_metric import reference_text, shingles

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "mozilla" / "test-pages"


def baseline(html: str) -> str:
    """readability-lxml alone, as the evaluator's reference figure was measured."""
    summary = Document(html).summary(html_partial=True)
    return str(lxml.html.fromstring(summary).text_content())


def run(name: str, fn: Callable[[str], str], pages: list[tuple[str, str, str]]) -> None:
    precisions, recalls, times = [], [], []
    empty = 0
    fn("<html><body><p>Warm up.</p></body></html>")
    for _, html, ref in pages:
        start = time.perf_counter()
        try:
            out = fn(html)
        except Exception:  # a crash scores as empty output, as in the evaluator
            out = ""
        times.append(time.perf_counter() - start)
        r, p = shingles(ref), shingles(out)
        tp = sum((r & p).values())
        if p:
            precisions.append(tp / sum(p.values()))
        else:
            empty += 1
        if r:
            recalls.append(tp / sum(r.values()))
    prec = statistics.fmean(precisions) if precisions else 0.0
    rec = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"{name:<18} F1 {f1:.3f}  P {prec:.3f}  R {rec:.3f}  median {statistics.median(times) * 1000:6.1f} ms"
        f"  p95 {p95 * 1000:6.1f} ms  empty {empty}/{len(pages)}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder of page folders (source.html, expected.html)"
    )
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    args = ap.parse_args()
    folders = sorted(p for p in args.data.iterdir() if (p / "source.html").is_file())
    if args.limit:
        folders = folders[: args.limit]
    pages = [
        (
            d.name,
            (d / "source.html").read_bytes().decode("utf-8", "replace"),
            reference_text((d / "expected.html").read_bytes()),
        )
        for d in folders
    ]
    print(f"{len(pages)} pages from {args.data}")
    run("reader.extract.pipeline", extract_text, pages)
    run("readability-lxml", baseline, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
