"""Read image files: `python -m ocr.predict --model services/ocr-v2 [--format tsv|jsonl] IMAGES...`.

tsv (default): `file<TAB>text<TAB>confidence` per image, the text's line breaks written as `\\n`.
jsonl: one JSON object per image, `{"file", "text", "mode", "confidence", "lines": [{"text", "confidence", "box"}]}`.
Files are sorted by name; a folder is read non-recursively. Files that are not readable images are
reported on stderr and skipped. Each image is read as the service reads it (mode auto: a line or a page).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .manifest import ManifestError
from .page import MODES, PageReader
from .preprocess import ImageInputError, decode_image


def image_files(targets: list[Path]) -> list[Path]:
    files = []
    for target in targets:
        if target.is_dir():
            files.extend(path for path in target.iterdir() if path.is_file())
        else:
            files.append(target)
    return sorted(files, key=lambda path: (path.name, str(path)))


def format_result(path: Path, result, output_format: str) -> str:
    if output_format == "jsonl":
        lines = [{"text": line.text, "confidence": round(line.confidence, 4), "box": line.box} for line in result.lines]
        return json.dumps({"file": str(path), "text": result.text, "mode": result.mode,
                           "confidence": round(result.confidence, 4), "lines": lines}, ensure_ascii=False)
    return f"{path}\t{result.text.replace(chr(10), chr(92) + 'n')}\t{result.confidence:.4f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, type=Path, help="a version folder (services/ocr-vN)")
    parser.add_argument("--format", choices=["tsv", "jsonl"], default="tsv")
    parser.add_argument("--mode", choices=MODES, default="auto")
    parser.add_argument("images", nargs="+", type=Path, help="image files or folders")
    args = parser.parse_args(argv)
    try:
        reader = PageReader.from_directory(args.model)
    except ManifestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in image_files(args.images):
        try:
            result = reader.read(decode_image(path.read_bytes()), args.mode)
        except (ImageInputError, OSError) as error:
            print(f"{path}: skipped: {error}", file=sys.stderr)
            continue
        print(format_result(path, result, args.format), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
