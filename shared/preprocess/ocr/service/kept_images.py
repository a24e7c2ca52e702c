"""Opt-in keeping of shadowed request images, so a person can look at the disagreements `canary compare`
lists. Off unless OCR_KEEP_IMAGES_DIR is set; at most OCR_KEEP_IMAGES_MAX files (oldest dropped first).
File names come from the request id only when it is a plain token: request data never picks a path."""
from __future__ import annotations

import os
import re
from pathlib import Path

PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


class KeptImages:
    def __init__(self, directory: str | None, max_files: int) -> None:
        self.directory = Path(directory) if directory else None
        self.max_files = max_files
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    def keep(self, request_id: str, payloads: list[bytes]) -> None:
        if not self.directory or not PLAIN_ID.fullmatch(request_id):
            return
        for index, payload in enumerate(payloads):
            temporary = self.directory / f".{request_id}-{index}.tmp"
            temporary.write_bytes(payload)
            os.replace(temporary, self.directory / f"{request_id}-{index}.img")
        kept = sorted(self.directory.glob("*.img"), key=lambda path: path.stat().st_mtime)
        for path in kept[: max(0, len(kept) - self.max_files)]:
            path.unlink(missing_ok=True)
