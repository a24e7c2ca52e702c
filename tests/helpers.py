"""Paths and small helpers shared by the tests (and the benchmarks)."""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from PIL import Image

from ocr.manifest import load_version

ROOT = Path(__file__).resolve().parent.parent


def version_dir(version: str) -> Path:
    return ROOT / "services" / f"ocr-{version}"


def encode(image: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def open_to_workers(path: Path) -> Path:
    """pytest's temporary folders are private (0700). A local stack run as root runs its workers as another
    user (canary.backends.local.SERVICE_USER): let them traverse to, and read, what a test puts there."""
    for folder in (path, *path.parents):
        if folder == Path(tempfile.gettempdir()) or folder == folder.parent:
            break
        if folder.stat().st_uid == os.geteuid():
            folder.chmod(folder.stat().st_mode | 0o055)
    return path


def services_folder(folder: Path, versions=("v1", "v2")) -> Path:
    """A services folder seeing the repository's versions, that a test can add a version to."""
    folder.mkdir(parents=True, exist_ok=True)
    open_to_workers(folder)
    for version in versions:
        (folder / f"ocr-{version}").symlink_to(version_dir(version))
    return folder


def new_version_folder(services_dir: Path, version: str, source: str = "v2") -> Path:
    """A version folder like a training run writes one (here: another version's model under a new name)."""
    folder = services_dir / f"ocr-{version}"
    folder.mkdir()
    for name in load_version(version_dir(source)).model_files:
        shutil.copy(version_dir(source) / name, folder / name)
    manifest = json.loads((version_dir(source) / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "version": version}, indent=2), encoding="utf-8")
    return folder


def assert_share(count: int, total: int, expected: float, sds: float = 4.5) -> None:
    """A random split's count is binomial: allow `sds` standard deviations (4.5: a false alarm about once in
    150,000 runs), still far tighter than the gap to a neighbouring weight (at 30% of 1000: 30 +- 6.5 points)."""
    sd = (total * expected * (1 - expected)) ** 0.5
    assert abs(count - total * expected) <= sds * sd, f"{count} of {total}, expected {expected:.0%} +- {sds} sd"


def wait_for(predicate, timeout_s=30, what="condition"):
    """Poll ``predicate`` until it holds; fail the test naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
