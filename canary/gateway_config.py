"""Render gateway/nginx.conf.template for a topology: a version -> address map that the routing
script's choice (and its failover choice) is looked up in."""
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
    script_dir: Path = GATEWAY_DIR  # where the gateway finds routing.js
    error_log: str = ""  # default: run_dir/error.log
    access_log: str = ""  # default: run_dir/access.log
    resolver: str | None = None  # Docker's DNS in docker mode: version names are looked up per request
    user: str = ""  # nginx `user` for the workers (only meaningful when the master runs as root)
    worker_dir: Path | None = None  # where the workers write (ejections.json); default run_dir
    # Swarm: any deployed version's address follows from its name (service ocr-vN, found through DNS), so
    # the config does not change when versions come and go and never needs a reload on the replicas.
    address_pattern: str = ""  # e.g. "ocr-{version}:8000"


KEEPALIVE = 16  # idle connections kept per version (per worker); gunicorn keeps one open 15 s


def resolved_per_request(address: str) -> bool:
    """A container name (docker mode) is looked up per request; an IP address never changes."""
    return not address.split(":")[0].replace(".", "").isdigit()


def upstream_name(version: str) -> str:
    return f"ocr_{version}"


def grouped(address: str, keepalive: bool) -> bool:
    return keepalive and not resolved_per_request(address)


def address_map(addresses: dict[str, str], keepalive: bool, pattern: str = "") -> str:
    if pattern:  # a regex entry with a named capture: the version's name becomes part of its address
        return f'        "~^(?<version_name>v[0-9]{{1,4}})$" {pattern.format(version="$version_name")};'
    return "\n".join(f"        {version} {upstream_name(version) if grouped(address, keepalive) else address};"
                     for version, address in sorted(addresses.items()))


def upstream_groups(addresses: dict[str, str], keepalive: bool) -> str:
    """One group per version with a fixed address: connections to it are reused (upstream keep-alive)."""
    return "\n".join(f"    upstream {upstream_name(version)} {{\n        server {address};\n"
                     f"        keepalive {KEEPALIVE};\n        keepalive_timeout 10s;\n    }}"
                     for version, address in sorted(addresses.items()) if grouped(address, keepalive))


def render(addresses: dict[str, str], layout: GatewayLayout, load_module: bool = True, keepalive: bool = True) -> str:
    """addresses: version -> host:port (an IP on the host, a container name in docker mode). keepalive False:
    a new connection per request (the benchmark's baseline)."""
    template = Template((GATEWAY_DIR / "nginx.conf.template").read_text(encoding="utf-8"))
    resolver = (f"    resolver {layout.resolver} valid=2s ipv6=off;\n    resolver_timeout 2s;"
                if layout.resolver else "")
    return template.substitute(
        load_module=f"load_module {JS_MODULE};" if load_module else "",
        user_directive=f"user {layout.user};" if layout.user else "",
        run_dir=layout.run_dir, gateway_dir=layout.script_dir, state_path=layout.state_path,
        listen=layout.listen, resolver=resolver,
        addresses=address_map(addresses, keepalive, layout.address_pattern),
        upstreams=upstream_groups(addresses, keepalive),
        worker_dir=layout.worker_dir or layout.run_dir,
        error_log=layout.error_log or f"{layout.run_dir}/error.log",
        access_log=layout.access_log or f"{layout.run_dir}/access.log",
    )
