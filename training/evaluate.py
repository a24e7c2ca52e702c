"""Score a version on the evaluation sets: `python -m training.evaluate --version v2 [--write-manifest]`.

Four sets: the gettext UI set (evalset_ui: real interface strings, five blind faces, reported as totals
only: the figures that count), its colour group (a third of the same strings in the blind faces, drawn in
sign and screen colour pairs with a camera's noise, as JPEG; blind too), its large group (2,000 further strings
drawn the same way, blind: what tells two stages apart) and the first, synthetic set
(evalset: kept so the history stays comparable; stages 5-8 of the old v2 were tuned on its misreads). Line
accuracy is exact match; character accuracy is 1 - CER (edit distance over reference length), both after the
scoring normalisation (full/half width, curly vs straight quotes).
"""
from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from ocr.charset import normalize_for_scoring
from ocr.manifest import load_version, write_manifest
from ocr.runtime import Recognizer

from .evalset import EVAL_CATEGORIES, LINES_PER_CATEGORY, EvalItem, build_blind_set, build_evaluation_set
from .evalset_ui import NEAR_LUMINANCE, build_large_ui_set, build_ui_colour_set, build_ui_set

ROOT = Path(__file__).resolve().parent.parent
# blind_font is its own set of lines (evalset.build_blind_set), not part of overall.
REPORT_GROUPS = (*EVAL_CATEGORIES, "seen_font", "unseen_font", "overall", "blind_font")
# unseen_font: the blind faces; by language too, since the two languages' faces are not the same faces
UI_GROUPS = ("en", "zh", "seen_font", "unseen_font", "en_seen_font", "en_unseen_font", "zh_seen_font", "zh_unseen_font",
             "overall")
COLOUR_GROUPS = ("en", "zh", NEAR_LUMINANCE, "overall")


def score(pairs: list[tuple[str, str]]) -> dict:
    """(reference, prediction) pairs -> lines, line_accuracy, char_accuracy."""
    exact, errors, length = 0, 0, 0
    for reference, prediction in pairs:
        reference, prediction = normalize_for_scoring(reference), normalize_for_scoring(prediction)
        exact += reference == prediction
        errors += Levenshtein.distance(reference, prediction)
        length += len(reference)
    return {
        "lines": len(pairs),
        "line_accuracy": round(exact / len(pairs), 4) if pairs else None,
        "char_accuracy": round(max(0.0, 1 - errors / length), 4) if length else None,
    }


def evaluate(recognizer: Recognizer, items: list[EvalItem], batch_size: int = 1) -> dict:
    """Batch size 1 by default: the way the service reads a single uploaded line."""
    predictions = []
    started = time.monotonic()
    for start in range(0, len(items), batch_size):
        chunk = items[start:start + batch_size]
        predictions.extend(result.text for result in recognizer.recognize([item.image for item in chunk]))
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for item, prediction in zip(items, predictions):
        pair = (item.text, prediction)
        groups[item.category].append(pair)
        groups["overall"].append(pair)
        face = "seen_font" if item.seen_font else "unseen_font"
        groups[face].append(pair)
        groups[f"{item.category}_{face}"].append(pair)
        if item.group:
            groups[item.group].append(pair)
    report = {name: score(pairs) for name, pairs in groups.items()}
    report["seconds"] = round(time.monotonic() - started, 1)
    return report


def store_metrics(directory: Path, **figures) -> None:
    """Put figures into the version's manifest under metrics (others kept), and say so."""
    bundle = load_version(directory)
    write_manifest(directory, {**bundle.manifest, "metrics": {**bundle.manifest.get("metrics", {}), **figures}})
    print(json.dumps({"written": str(directory / "manifest.json"), "metrics": sorted(figures)}))


def format_report(version: str, report: dict, title: str = "first evaluation set (synthetic; tuned on)",
                  groups: tuple[str, ...] = REPORT_GROUPS) -> str:
    rows = [f"{version}: {title} ({report['overall']['lines']} lines, {report['seconds']} s)",
            f"{'group':<15} {'lines':>6} {'line acc':>9} {'char acc':>9}"]
    for name in groups:
        if name in report:
            entry = report[name]
            rows.append(f"{name:<15} {entry['lines']:>6} {entry['line_accuracy']:>9.2%} {entry['char_accuracy']:>9.2%}")
    return "\n".join(rows)


def side_by_side(names: list[str], lines_per_category: int = LINES_PER_CATEGORY, language_model: bool = True) -> str:
    """One table, a row per version: our versions by name (services/ocr-vN/), models trained elsewhere by their
    import source (imported into a scratch folder from the pinned wheel, as `make import` does)."""
    import tempfile

    from .import_models import SOURCES, import_version

    ui_set, first_set, blind_set = build_ui_set(), build_evaluation_set(lines_per_category), build_blind_set()
    colour_set, large_set = build_ui_colour_set(), build_large_ui_set()
    rows = ["| version | UI set lines / chars (blind) | UI set, blind faces: lines | UI colour lines / chars (blind) | "
            "large UI group lines / chars (blind) | first set lines / chars (tuned on) | first set, blind faces: lines |",
            "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="eval-imported-") as scratch:
        for name in names:
            if name in SOURCES:
                directory, label = import_version("v99", name, Path(scratch) / name), f"{name} (imported)"
            else:
                directory, label = ROOT / "services" / f"ocr-{name}", name
            recognizer = Recognizer.from_directory(directory, language_model=language_model)
            label += "" if language_model else " (greedy)"
            ui, first = evaluate(recognizer, ui_set), evaluate(recognizer, first_set)
            blind, colour = evaluate(recognizer, blind_set)["overall"], evaluate(recognizer, colour_set)["overall"]
            large = evaluate(recognizer, large_set)["overall"]
            rows.append(f"| {label} | {ui['overall']['line_accuracy']:.1%} / {ui['overall']['char_accuracy']:.1%} | "
                        f"{ui['unseen_font']['line_accuracy']:.1%} | {colour['line_accuracy']:.1%} / "
                        f"{colour['char_accuracy']:.1%} | {large['line_accuracy']:.1%} / {large['char_accuracy']:.1%} | "
                        f"{first['overall']['line_accuracy']:.1%} / "
                        f"{first['overall']['char_accuracy']:.1%} | {blind['line_accuracy']:.1%} |")
            print(rows[-1], flush=True)
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--compare", help="versions and import sources side by side, e.g. v1,v2,ppocrv6-small")
    parser.add_argument("--version", help="vN: reads services/ocr-vN/")
    parser.add_argument("--dir", type=Path, help="evaluate this version folder instead (experiments)")
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    parser.add_argument("--lines-per-category", type=int, default=LINES_PER_CATEGORY)
    parser.add_argument("--write-manifest", action="store_true", help="store the figures in the manifest")
    parser.add_argument("--greedy", action="store_true",
                        help="read without the version's language model: what the network alone reads")
    args = parser.parse_args()
    if args.greedy and args.write_manifest:
        parser.error("the manifest holds the figures of the version as it is served: not with --greedy")
    if args.compare:
        print(side_by_side(args.compare.split(","), args.lines_per_category, language_model=not args.greedy))
        return
    if not args.version:
        parser.error("--version or --compare")
    directory = args.dir or ROOT / "services" / f"ocr-{args.version}"
    recognizer = Recognizer.from_directory(directory, language_model=not args.greedy)
    ui_report = evaluate(recognizer, build_ui_set())
    print(format_report(args.version, ui_report, "gettext UI set (blind: real UI text, unseen_font = 5 blind faces)",
                        UI_GROUPS))
    colour_report = evaluate(recognizer, build_ui_colour_set())
    print(format_report(args.version, colour_report, "UI colour set (blind: sign and screen colours, blind faces)",
                        COLOUR_GROUPS))
    large_report = evaluate(recognizer, build_large_ui_set())
    print(format_report(args.version, large_report, "large UI group (blind: 2,000 further UI strings, drawn alike)",
                        UI_GROUPS))
    report = evaluate(recognizer, build_evaluation_set(args.lines_per_category))
    report["blind_font"] = evaluate(recognizer, build_blind_set())["overall"]
    print(format_report(args.version, report))
    if args.json:
        args.json.write_text(json.dumps({"ui": ui_report, "ui_colour": colour_report, "ui_large": large_report,
                                         "evaluation": report}, indent=2) + "\n", encoding="utf-8")
    if args.write_manifest:
        store_metrics(directory, evaluation=report, ui=ui_report, ui_colour=colour_report, ui_large=large_report)
        print(json.dumps({"written": str(directory / "manifest.json")}))


if __name__ == "__main__":
    main()
