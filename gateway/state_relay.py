"""Carries the routing state to every gateway replica of a swarm (stdlib only: it runs in the gateway image).

`serve`: one task beside the control tool's state folder (placed on the manager, the folder bind-mounted
read-only). It watches routing.json and answers long polls: a follower that already holds the current
generation waits until a newer one is written, so a change reaches every replica within one file check
(WATCH_S) and one HTTP answer. It also lists which generation each follower holds (`/followers`): the
control tool waits on that list before it says a change is done.

`follow`: PID 1 of each gateway replica. It fetches the state before nginx starts (a replica never takes
traffic without one), writes it where routing.js reads it per request, then follows. When the source is
lost it keeps the last good file (nginx goes on routing by it), logs that once, and writes its own
status file, which the gateway's /healthz shows. It also answers Prometheus on METRICS_PORT: the generation
it holds, whether its source answers, how many states it applied (the stack's Prometheus finds every
replica through `tasks.gateway`).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

WATCH_S = 0.01  # how often `serve` looks at routing.json (one stat)
HOLD_S = 20.0  # how long a poll waits for a newer generation before it is answered "no change"
FOLLOWER_TIMEOUT_S = HOLD_S + 10  # a silent source (its node gone) is noticed after this long
RETRY_S = (0.2, 0.5, 1.0, 2.0)  # back-off while the source cannot be reached
METRICS_PORT = 9101  # each gateway replica's relay metrics (the gateway's own port is the clients')


def log(event: str, **fields) -> None:
    print(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "component": "state-relay",
                      "event": event, **fields}), flush=True)


def usable(state) -> bool:
    """The rules routing.js applies before it routes by a state (a state that cannot misroute)."""
    return (isinstance(state, dict) and isinstance(state.get("deployed"), list)
            and state.get("stable") in state["deployed"]
            and isinstance(state.get("canary_weight"), int) and 0 <= state["canary_weight"] <= 100
            and (not state.get("canary") or state["canary"] in state["deployed"]))


def read_state(path: Path) -> dict | None:
    """routing.json if usable, else the tool's last good copy beside it, else None."""
    for candidate in (path, path.with_name(path.stem + ".last-good.json")):
        try:
            state = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if usable(state):
            return state
    return None


# --- serve --------------------------------------------------------------------------------------------
class Source:
    """The current state and the followers' acknowledgements, shared by the watcher and the handlers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.changed = threading.Condition()
        self.state: dict | None = None
        self.followers: dict[str, dict] = {}

    @property
    def generation(self) -> str:
        return str(self.state.get("generation")) if self.state else ""

    def watch(self) -> None:
        seen = None
        while True:
            try:
                stat = self.path.stat()
                signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            except OSError:
                signature = None
            if signature != seen:
                seen = signature
                state = read_state(self.path)
                if state is not None and state != self.state:
                    with self.changed:
                        self.state = state
                        self.changed.notify_all()
                    log("state_changed", generation=self.generation)
            time.sleep(WATCH_S)

    def wait_newer(self, have: str, timeout: float) -> dict | None:
        with self.changed:
            self.changed.wait_for(lambda: self.state is not None and self.generation != have, timeout)
            return self.state if self.state is not None and self.generation != have else None

    def acknowledge(self, replica: str, generation: str) -> None:
        with self.changed:
            self.followers[replica] = {"generation": generation, "seen": time.time()}

    def snapshot(self) -> dict:
        with self.changed:
            now = time.time()
            # A follower polls at least every HOLD_S; one silent for longer is gone (its task replaced).
            live = {name: {"generation": entry["generation"], "seen_s_ago": round(now - entry["seen"], 3)}
                    for name, entry in self.followers.items() if now - entry["seen"] < HOLD_S + 5}
            return {"generation": self.generation, "followers": live}


def handler_for(source: Source):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path == "/state":
                replica, have = query.get("replica", ["?"])[0][:64], query.get("have", [""])[0][:32]
                source.acknowledge(replica, have)
                hold = min(float(query.get("hold", [HOLD_S])[0]), HOLD_S)
                state = source.wait_newer(have, hold)
                if state is None:
                    return self.answer(204, b"")
                return self.answer(200, json.dumps(state).encode())
            if url.path == "/followers":
                return self.answer(200, json.dumps(source.snapshot()).encode())
            if url.path == "/healthz":
                return self.answer(200 if source.state else 503,
                                   json.dumps({"status": "alive", "generation": source.generation}).encode())
            self.answer(404, b'{"error": "not found"}')

        def answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # the polls are not news; changes are logged by the watcher
            pass

    return Handler


def serve(path: Path, port: int) -> None:
    source = Source(path)
    threading.Thread(target=source.watch, daemon=True).start()
    server = ThreadingHTTPServer(("0.0.0.0", port), handler_for(source))
    server.daemon_threads = True
    # As PID 1 of its container the relay gets no default SIGTERM action: without this, `docker stop` waits
    # its whole grace period while the relay goes on serving.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log("serving", path=str(path), port=port)
    server.serve_forever()


# --- follow -------------------------------------------------------------------------------------------
def write_atomically(path: Path, data: dict) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)  # nginx reads the old file or the new one, never half


class Follower:
    def __init__(self, source: str, out: Path, replica: str) -> None:
        self.source, self.out, self.replica = source.rstrip("/"), out, replica
        self.generation = ""
        self.lost_since: float | None = None
        self.failures = 0
        self.applied = 0
        self.reachable = False
        out.parent.mkdir(parents=True, exist_ok=True)

    @property
    def status_path(self) -> Path:
        return self.out.with_name("follower.json")

    def poll(self, hold: float) -> bool:
        """One long poll; True when a new state was written. Raises OSError when the source is unreachable."""
        url = f"{self.source}/state?replica={self.replica}&have={self.generation}&hold={hold}"
        with urllib.request.urlopen(url, timeout=hold + 10) as answer:
            if answer.status == 204:
                return False
            state = json.loads(answer.read())
        if not usable(state):
            raise ValueError("the source sent an unusable state")
        write_atomically(self.out, state)
        write_atomically(self.out.with_name(self.out.stem + ".last-good.json"), state)
        self.generation = str(state.get("generation"))
        self.applied += 1
        return True

    def note(self, reachable: bool, error: str = "") -> None:
        self.reachable = reachable
        if reachable and self.lost_since is not None:
            log("state_source_restored", generation=self.generation, lost_s=round(time.time() - self.lost_since, 1))
            self.lost_since = None
        elif not reachable and self.lost_since is None:
            self.lost_since = time.time()
            log("state_source_lost", generation=self.generation, error=error,
                routing_by="last good state" if self.generation else "nothing yet")
        write_atomically(self.status_path, {"generation": self.generation, "source": self.source,
                                            "source_reachable": reachable, "lost_since": self.lost_since})

    def step(self, hold: float) -> None:
        try:
            changed = self.poll(hold)
        except (OSError, ValueError) as error:  # URLError and timeouts are OSErrors
            self.note(False, f"{type(error).__name__}: {error}")
            time.sleep(RETRY_S[min(self.failures, len(RETRY_S) - 1)])
            self.failures += 1
            return
        self.failures = 0
        if changed or self.lost_since is not None or not self.status_path.exists():
            self.note(True)
            if changed:
                log("state_applied", generation=self.generation)

    def run(self) -> None:
        while True:
            self.step(HOLD_S)

    def exposition(self) -> bytes:
        """Prometheus' text format, written out: the gateway image has no client library."""
        generation = self.generation if self.generation.isdigit() else "0"
        lost = time.time() - self.lost_since if self.lost_since is not None else 0.0
        lines = [
            "# HELP ocr_gateway_state_generation Generation of the routing state this replica routes by.",
            "# TYPE ocr_gateway_state_generation gauge",
            f"ocr_gateway_state_generation {generation}",
            "# HELP ocr_gateway_state_source_up 1 while the state relay answers this replica, else 0.",
            "# TYPE ocr_gateway_state_source_up gauge",
            f"ocr_gateway_state_source_up {int(self.reachable)}",
            "# HELP ocr_gateway_state_source_lost_seconds How long the relay has not answered (0 while it does).",
            "# TYPE ocr_gateway_state_source_lost_seconds gauge",
            f"ocr_gateway_state_source_lost_seconds {lost:.1f}",
            "# HELP ocr_gateway_states_applied_total Routing states this replica received and applied.",
            "# TYPE ocr_gateway_states_applied_total counter",
            f"ocr_gateway_states_applied_total {self.applied}",
        ]
        return ("\n".join(lines) + "\n").encode()


def serve_metrics(follower: Follower, port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            found = self.path == "/metrics"
            body = follower.exposition() if found else b'{"error": "not found"}'
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/plain; version=0.0.4" if found else "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # scrapes are not news
            pass

    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()


def follow(source: str, out: Path, command: list[str]) -> int:
    follower = Follower(source, out, socket.gethostname())
    serve_metrics(follower, METRICS_PORT)
    while not follower.generation:  # no traffic before a state: nginx starts only after the first one
        follower.step(hold=2)
    nginx = subprocess.Popen(command)
    for signum in (signal.SIGTERM, signal.SIGQUIT, signal.SIGINT):  # docker stop -> nginx's graceful stop
        signal.signal(signum, lambda number, _frame: nginx.send_signal(
            signal.SIGQUIT if number == signal.SIGTERM else number))
    threading.Thread(target=follower.run, daemon=True).start()
    return nginx.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serving = commands.add_parser("serve")
    serving.add_argument("--state", type=Path, required=True, help="the tool's routing.json")
    serving.add_argument("--port", type=int, default=9000)
    following = commands.add_parser("follow")
    following.add_argument("--source", required=True, help="the relay's URL, e.g. http://state:9000")
    following.add_argument("--out", type=Path, required=True, help="where routing.js reads the state")
    following.add_argument("nginx", nargs=argparse.REMAINDER, help="-- the command that runs nginx")
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.state, args.port)
    else:
        sys.exit(follow(args.source, args.out, [part for part in args.nginx if part != "--"]))


if __name__ == "__main__":
    main()
