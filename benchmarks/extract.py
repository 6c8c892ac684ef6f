"""Benchmark the readability pass beside readability-lxml alone and trafilatura, in the same run, on every
labelled set in ../shared/corpus (fundus-news and wcxb-articles: human labels; mozilla: Readability.js output).

Runs the shared scorer (`../shared/tools/evaluate_extraction.py`: token 4-shingle P/R/F1, crashes, empty
pages, median and p95 time per page) with three extractors:

- `reader`: `reader.extract.pipeline.extract_text` (the whole pass: decode, score blocks, clean, render);
- `readability-lxml`: `Document(html).summary(html_partial=True)` -> lxml `text_content()` (in this process,
  where `reader.extract.readability_doc` has replaced readability's `clean` with a faster one giving the same
  results, and its debug-message helpers with no-ops: its text is readability's, its time that of the
  faster function);
- `trafilatura`: `trafilatura.extract(html, include_comments=False)` (skipped when not installed:
  `pip install -e '.[bench]'`).

    .venv/bin/python benchmarks/extract.py [--set fundus-news] [--limit N] [--worst N]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import lxml.html
from readability import Document

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVALUATOR = ROOT.parent / "shared" / "tools" / "evaluate_extraction.py"


def readability_lxml(html: str) -> str:
    """readability-lxml alone, as the evaluator's reference figure was measured."""
    summary = Document(html).summary(html_partial=True)
    return str(lxml.html.fromstring(summary).text_content())


def trafilatura_text(html: str) -> str:
    import trafilatura  # a benchmark-only dependency

    return trafilatura.extract(html, include_comments=False) or ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", default=[], help="only this set (repeatable)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages of each set")
    ap.add_argument("--worst", type=int, default=0, help="list the N lowest-F1 pages of each extractor")
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("evaluate_extraction", EVALUATOR)
    if spec is None or spec.loader is None:
        print(f"cannot load the scorer at {EVALUATOR}", file=sys.stderr)
        return 2
    evaluator = importlib.util.module_from_spec(spec)
    sys.modules["evaluate_extraction"] = evaluator
    spec.loader.exec_module(evaluator)
    here = Path(__file__).resolve()
    argv = ["--py", "reader=reader.extract.pipeline:extract_text"]
    argv += ["--py", f"readability-lxml={here}:readability_lxml"]
    if importlib.util.find_spec("trafilatura") is not None:
        argv += ["--py", f"trafilatura={here}:trafilatura_text"]
    else:
        print("trafilatura is not installed: its rows are skipped (pip install -e '.[bench]')")
    for name in args.set:
        argv += ["--set", name]
    if args.limit:
        argv += ["--limit", str(args.limit)]
    if args.worst:
        argv += ["--worst", str(args.worst)]
    argv += ["--bootstrap", "200", "--no-save"]
    return int(evaluator.main(argv))


if __name__ == "__main__":
    sys.exit(main())
