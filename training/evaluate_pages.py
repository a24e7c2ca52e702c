"""Score a version on the page evaluation set: `python -m training.evaluate_pages --version v2`.

Page character accuracy is 1 - CER between the page's text and the answer's (rows joined by newlines,
whitespace runs folded); exact-line recall is the share of ground-truth rows found, exactly, among the
answer's rows. Both after the line set's scoring normalisation. Totals only: the set stays blind.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from ocr.charset import normalize_for_scoring
from ocr.page import PageReader

from .evalpages import KINDS, PAGES_PER_KIND, build_page_set
from .evaluate import store_metrics

ROOT = Path(__file__).resolve().parent.parent


def normalize_row(text: str) -> str:
    return " ".join(normalize_for_scoring(text).split())


def score_page(reference_rows: tuple[str, ...], answer_text: str) -> dict:
    """Edit distance and length over the page text, and how many reference rows were read exactly."""
    reference = [normalize_row(row) for row in reference_rows]
    answer = [normalize_row(row) for row in answer_text.split("\n") if row.strip()]
    found = Counter(answer)
    exact = 0
    for row in reference:
        if found[row] > 0:
            found[row] -= 1
            exact += 1
    return {"errors": Levenshtein.distance("\n".join(reference), "\n".join(answer)),
            "length": len("\n".join(reference)), "rows": len(reference), "exact_rows": exact}


def summarize(entries: list[dict]) -> dict:
    length = sum(entry["length"] for entry in entries)
    rows = sum(entry["rows"] for entry in entries)
    return {"pages": len(entries),
            "char_accuracy": round(max(0.0, 1 - sum(e["errors"] for e in entries) / length), 4) if length else None,
            "line_recall": round(sum(e["exact_rows"] for e in entries) / rows, 4) if rows else None,
            "median_ms": round(statistics.median(e["ms"] for e in entries), 1)}


def evaluate_pages(reader: PageReader, pages_per_kind: int = PAGES_PER_KIND) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for page in build_page_set(pages_per_kind):
        started = time.perf_counter()
        result = reader.read(page.image, mode="page")
        entry = {**score_page(page.rows, result.text), "ms": (time.perf_counter() - started) * 1000}
        for group in (page.kind, "blind_fonts" if page.blind_fonts else "seen_fonts", "overall"):
            groups[group].append(entry)
    return {name: summarize(entries) for name, entries in groups.items()}


def format_report(version: str, report: dict) -> str:
    rows = [f"{version}: page evaluation ({report['overall']['pages']} pages)",
            f"{'group':<17} {'pages':>5} {'chars':>8} {'lines':>8} {'median ms':>10}"]
    for name in (*KINDS, "seen_fonts", "blind_fonts", "overall"):
        entry = report[name]
        rows.append(f"{name:<17} {entry['pages']:>5} {entry['char_accuracy']:>8.2%} {entry['line_recall']:>8.2%} "
                    f"{entry['median_ms']:>10.0f}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", required=True, help="vN: reads services/ocr-vN/")
    parser.add_argument("--dir", type=Path, help="evaluate this version folder instead (experiments)")
    parser.add_argument("--pages-per-kind", type=int, default=PAGES_PER_KIND)
    parser.add_argument("--write-manifest", action="store_true", help="store the figures in the manifest")
    parser.add_argument("--greedy", action="store_true",
                        help="read without the version's language model: what the network alone reads")
    args = parser.parse_args()
    if args.greedy and args.write_manifest:
        parser.error("the manifest holds the figures of the version as it is served: not with --greedy")
    directory = args.dir or ROOT / "services" / f"ocr-{args.version}"
    report = evaluate_pages(PageReader.from_directory(directory, language_model=not args.greedy), args.pages_per_kind)
    print(format_report(args.version, report))
    if args.write_manifest:
        store_metrics(directory, pages=report)


if __name__ == "__main__":
    main()
