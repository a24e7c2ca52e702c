"""Render gateway/nginx.conf.template for a topology: one upstream per version, and one per ordered
pair (primary, then the other as backup) that unpinned requests use to fail over."""
from __future__ import annotations

import itertools
import os
from pathlib import Path
from string import Template

GATEWAY_DIR = Path(__file__).resolve().parent.parent / "gateway"
JS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so"


def upstream_blocks(addresses: dict[str, str]) -> str:
    """addresses: version -> host:port. max_fails=0 keeps a primary in rotation: weights stay exact."""
    blocks = []
    for version, address in sorted(addresses.items()):
        blocks.append(f"    upstream ocr_{version} {{\n        server {address} max_fails=0;\n        keepalive 16;\n    }}")
    for primary, backup in itertools.permutations(sorted(addresses), 2):
        blocks.append(f"    upstream ocr_{primary}_then_{backup} {{\n        server {addresses[primary]} max_fails=0;\n"
                      f"        server {addresses[backup]} backup;\n        keepalive 16;\n    }}")
    return "\n".join(blocks)


def render(addresses: dict[str, str], listen: str, run_dir: Path, state_path: Path,
           gateway_dir: Path = GATEWAY_DIR, load_module: bool = True) -> str:
    template = Template((gateway_dir / "nginx.conf.template").read_text(encoding="utf-8"))
    return template.substitute(
        load_module=f"load_module {JS_MODULE};" if load_module else "",
        # Workers run as whoever runs the tool, so they can read the state folder wherever it lives.
        user_directive="user root root;" if os.geteuid() == 0 else "",
        run_dir=run_dir, gateway_dir=gateway_dir, state_path=state_path, listen=listen,
        upstreams=upstream_blocks(addresses),
    )
