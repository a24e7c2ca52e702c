"""Read text lines from image files: `python -m ocr.predict --model services/ocr-v2 IMAGES...`.

Prints `file<TAB>text<TAB>confidence` per image, files sorted by name; a folder is read
non-recursively. Files that are not readable images are reported on stderr and skipped.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .manifest import ManifestError
from .preprocess import ImageInputError, decode_image
from .runtime import Recognizer


def image_files(targets: list[Path]) -> list[Path]:
    files = []
    for target in targets:
        if target.is_dir():
            files.extend(path for path in target.iterdir() if path.is_file())
        else:
            files.append(target)
    return sorted(files, key=lambda path: (path.name, str(path)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, type=Path, help="a version folder (services/ocr-vN)")
    parser.add_argument("images", nargs="+", type=Path, help="image files or folders")
    args = parser.parse_args(argv)
    try:
        recognizer = Recognizer.from_directory(args.model)
    except ManifestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failures = 0
    for path in image_files(args.images):
        try:
            result = recognizer.recognize([decode_image(path.read_bytes())])[0]
        except (ImageInputError, OSError) as error:
            print(f"{path}: skipped: {error}", file=sys.stderr)
            failures += 1
            continue
        print(f"{path}\t{result.text}\t{result.confidence:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
