"""Render gateway/nginx.conf.template for a layout. The config names no version: routing.js finds each
version's address from its name (address_pattern), so versions come and go without a reload."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

GATEWAY_DIR = Path(__file__).resolve().parent.parent / "gateway"
JS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so"
DOCKER_DNS = "127.0.0.11"


@dataclass(frozen=True)
class GatewayLayout:
    """Where the gateway finds its files and writes its own, on the host or inside its container."""
    listen: str
    run_dir: Path  # pid file and nginx's temporary folders
    state_path: Path  # routing.json as the gateway sees it
    # Where version vN listens: "{version}" is its name, "{port}" port_base + N. Docker and swarm:
    # "ocr-{version}:8000" (a container or service name, resolved per request); local: "127.0.0.1:{port}".
    address_pattern: str
    port_base: int = 0
    script_dir: Path = GATEWAY_DIR  # where the gateway finds routing.js
    error_log: str = ""  # default: run_dir/error.log
    access_log: str = ""  # default: run_dir/access.log
    resolver: str | None = None  # Docker's DNS in docker mode: version names are looked up per request
    user: str = ""  # nginx `user` for the workers (only meaningful when the master runs as root)
    worker_dir: Path | None = None  # where the workers write (ejections.json); default run_dir


def render(layout: GatewayLayout) -> str:
    template = Template((GATEWAY_DIR / "nginx.conf.template").read_text(encoding="utf-8"))
    resolver = (f"    resolver {layout.resolver} valid=2s ipv6=off;\n    resolver_timeout 2s;"
                if layout.resolver else "")
    return template.substitute(
        load_module=f"load_module {JS_MODULE};",
        user_directive=f"user {layout.user};" if layout.user else "",
        run_dir=layout.run_dir, gateway_dir=layout.script_dir, state_path=layout.state_path,
        listen=layout.listen, resolver=resolver,
        address_pattern=layout.address_pattern, port_base=layout.port_base,
        worker_dir=layout.worker_dir or layout.run_dir,
        error_log=layout.error_log or f"{layout.run_dir}/error.log",
        access_log=layout.access_log or f"{layout.run_dir}/access.log",
    )
