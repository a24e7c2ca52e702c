"""`python -m canary COMMAND`: the control tool. Errors are one line on stderr and a non-zero exit."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import commands, rollout
from . import compare as ab_compare
from .backends.base import Backend
from .backends.local import LocalBackend
from .errors import CanaryError
from .state import StateStore

ROOT = Path(__file__).resolve().parent.parent
MODES = ("local", "docker", "swarm")


def choose_mode(run_dir: Path, requested: str | None) -> str:
    """local, docker or swarm: as asked (CANARY_MODE / --mode), else what `up` recorded, else docker when an
    engine answers."""
    if requested:
        if requested not in MODES:
            raise CanaryError(f"unknown mode {requested!r}: {', '.join(MODES)}")
        return requested
    recorded = run_dir / "mode"
    if recorded.exists():
        return recorded.read_text().strip()
    from .backends.docker import engine_reachable

    return "docker" if engine_reachable() else "local"


def make_context(mode: str | None = None) -> tuple[Backend, StateStore, str]:
    run_dir = Path(os.environ.get("CANARY_RUN_DIR", ROOT / ".run"))
    store = StateStore(run_dir / "state")
    mode = choose_mode(run_dir, mode or os.environ.get("CANARY_MODE"))
    listen = os.environ.get("GATEWAY_LISTEN", "127.0.0.1:8080")
    services_dir = Path(os.environ.get("CANARY_SERVICES_DIR", ROOT / "services"))
    if mode == "swarm":
        from .backends.swarm import SwarmBackend

        backend = SwarmBackend(run_dir, gateway_listen=listen, state_path=store.state_path, services_dir=services_dir,
                               replicas=int(os.environ.get("REPLICAS", "2")),
                               gateway_replicas=int(os.environ.get("GATEWAY_REPLICAS", "2")))
    elif mode == "docker":
        from .backends.docker import DockerBackend  # the docker SDK is only needed in docker mode

        backend = DockerBackend(run_dir, project=os.environ.get("CANARY_PROJECT", "ocrcanary"),
                                gateway_publish=listen, state_path=store.state_path, services_dir=services_dir)
    else:
        backend = LocalBackend(run_dir, gateway_listen=listen,
                               service_port_base=int(os.environ.get("SERVICE_PORT_BASE", "8000")),
                               state_path=store.state_path, services_dir=services_dir)
    return backend, store, mode


def weight(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"weight must be an integer from 0 to 100, not {value!r}") from None
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(f"weight must be an integer from 0 to 100, not {number}")
    return number


def _print_state(state, seconds: float | None = None, backend: Backend | None = None) -> None:
    line = f"stable {state.stable}, canary {state.canary or '-'} at {state.canary_weight}%"
    print(line + (f" (applied in {seconds * 1000:.1f} ms)" if seconds is not None else ""), flush=True)
    reached = backend.propagated(state.generation) if backend is not None else None
    if reached:
        print(reached)


def _rollout(backend, store, args) -> int:
    if args.action == "status":
        progress = rollout.RolloutStore(store).read()
        print(json.dumps(progress.to_json() if progress else None, indent=2))
        return 0
    if args.action in ("pause", "resume", "abort"):
        progress = rollout.set_status(store, backend, args.action)
        print(f"rollout of {progress.version}: {progress.status}")
        return 0
    config = rollout.RolloutConfig.load(args.config)
    progress = rollout.Runner(backend, store, config, out=lambda line: print(line, flush=True)).start(args.version)
    return 0 if progress.status == "promoted" else 4  # 4: the rollout ended without promoting


def _serve_dashboard(backend, store, listen: str, interval: float) -> None:
    from werkzeug.serving import make_server

    from . import dashboard

    host, _, port = listen.rpartition(":")
    sampler = dashboard.Sampler(backend, store, interval)
    sampler.start()
    server = make_server(host, int(port), dashboard.create_app(backend, store, sampler), threaded=True)
    print(f"dashboard on http://{listen}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sampler.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="canary", description="Weighted canary control for the OCR gateway.")
    parser.add_argument("--mode", choices=MODES,
                        help="processes on loopback, the compose stack or the swarm stack (default: as `up` chose)")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the services and the gateway")
    up.add_argument("--versions", default="v1,v2")
    up.add_argument("--stable", default="v1")
    sub.add_parser("down", help="stop the gateway and every service")
    status_parser = sub.add_parser("status", help="routing state, health and live figures per version (a table)")
    status_parser.add_argument("--json", action="store_true", help="the same as JSON, for scripts")
    canary = sub.add_parser("canary", help="send WEIGHT%% of unpinned traffic to the canary")
    canary.add_argument("weight", type=weight)
    canary.add_argument("--version", help="the canary version (default: the current one)")
    canary.add_argument("--force", action="store_true", help="skip the readiness check")
    promote = sub.add_parser("promote", help="the canary becomes stable at 100%%")
    promote.add_argument("--force", action="store_true")
    rollback = sub.add_parser("rollback", help="back to the last known-good state")
    rollback.add_argument("--force", action="store_true")
    sub.add_parser("history", help="every change, as JSON lines")
    deploy = sub.add_parser("deploy", help="add a version to the topology")
    deploy.add_argument("version")
    retire = sub.add_parser("retire", help="remove a version from the topology")
    retire.add_argument("version")
    shadow = sub.add_parser("shadow", help="mirror stable's traffic to a version (answers discarded); 'off' stops")
    shadow.add_argument("version")
    compare = sub.add_parser("compare", help="A/B report over the shadowed requests")
    compare.add_argument("--shadow", help="the shadow version (default: the current one)")
    compare.add_argument("--json", action="store_true")
    dashboard_parser = sub.add_parser("dashboard", help="live page: split, per-version figures, rollout, history")
    dashboard_parser.add_argument("--listen", default=os.environ.get("DASHBOARD_LISTEN", "127.0.0.1:8081"))
    dashboard_parser.add_argument("--interval", type=float, default=2.0, help="seconds between scrapes")
    rollout_parser = sub.add_parser("rollout",
                                    help="progressive rollout with metric gates (start resumes one in progress)")
    rollout_parser.add_argument("action", nargs="?", default="start",
                                choices=("start", "pause", "resume", "abort", "status"))
    rollout_parser.add_argument("--version", help="the version to roll out (default: the current canary)")
    rollout_parser.add_argument("--config", type=Path, default=rollout.DEFAULT_CONFIG)
    args = parser.parse_args(argv)

    try:
        backend, store, mode = make_context(args.mode)
        if args.command == "up":
            _print_state(commands.up(backend, store, args.versions.split(","), args.stable), backend=backend)
            (store.directory.parent / "mode").write_text(mode + "\n")
            print(f"gateway on http://{backend.gateway_listen} ({mode} mode)")
        elif args.command == "down":
            backend.stop_all()
            (store.directory.parent / "mode").unlink(missing_ok=True)
            print("stopped")
        elif args.command == "status":
            report = commands.status(backend, store)
            print(json.dumps(report, indent=2) if args.json else commands.status_table(report))
        elif args.command == "canary":
            _print_state(*commands.set_canary_weight(backend, store, args.weight, args.version, args.force), backend)
        elif args.command == "promote":
            _print_state(commands.promote(backend, store, args.force), backend=backend)
        elif args.command == "rollback":
            _print_state(*commands.rollback(backend, store, args.force), backend)
        elif args.command == "history":
            for entry in store.history():
                print(json.dumps(entry))
        elif args.command == "deploy":
            _print_state(commands.deploy(backend, store, args.version), backend=backend)
        elif args.command == "retire":
            _print_state(commands.retire(backend, store, args.version), backend=backend)
        elif args.command == "shadow":
            state = commands.shadow(backend, store, None if args.version == "off" else args.version)
            copy_of = f" (a copy of {state.stable}'s traffic)" if state.shadow else ""
            print(f"shadow: {state.shadow or 'off'}{copy_of}")
        elif args.command == "compare":
            state = store.read()
            shadow_version = args.shadow or state.shadow
            if not shadow_version:
                raise CanaryError("no shadow version: name one (compare --shadow vN)")
            figures = ab_compare.compare(backend, state.stable, shadow_version)
            print(json.dumps(figures, indent=2, ensure_ascii=False) if args.json else ab_compare.render(figures))
        elif args.command == "dashboard":
            _serve_dashboard(backend, store, args.listen, args.interval)
        elif args.command == "rollout":
            return _rollout(backend, store, args)
    except CanaryError as error:
        print(f"canary: {error}", file=sys.stderr)
        return error.exit_code
    return 0
