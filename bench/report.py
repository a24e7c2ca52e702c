"""BENCHMARKS.md by sections: a section re-measured alone replaces its own part of the file."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def replace_section(lines: list[str], path: Path = ROOT / "BENCHMARKS.md") -> None:
    """Put a section (its first line the "## " title) where the section of that title stands, or at the end."""
    text = path.read_text(encoding="utf-8").split("\n")
    start = next((i for i, line in enumerate(text) if line == lines[0]), None)
    if start is None:
        while text and not text[-1]:
            text.pop()
        text += [""] + lines
    else:
        end = next((i for i in range(start + 1, len(text)) if text[i].startswith("## ")), len(text))
        text[start:end] = lines + [""]
    path.write_text("\n".join(text), encoding="utf-8")
