"""The routing state: one small JSON document the gateway reads per request, plus its history.

Every change is validated, written atomically (temp file in the same folder, fsync, replace) under a
file lock, and appended to a JSON-lines history (who, when, what) that rollback reads.
"""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import getpass
import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .errors import CanaryError, UnsafeMove

FORMAT_VERSION = 1
LOCK_TIMEOUT_S = 10.0  # a writer waits this long for another one, then says who holds the lock
VERSION_NAME = re.compile(r"^v[0-9]{1,4}$")


@dataclass(frozen=True)
class RoutingState:
    stable: str
    canary: str | None = None
    canary_weight: int = 0
    deployed: tuple[str, ...] = ()
    shadow: str | None = None  # gets a mirrored copy of stable's traffic; its answers are discarded
    format: int = FORMAT_VERSION
    generation: int = 0

    def validate(self) -> "RoutingState":
        """Raises UnsafeMove when the state could misroute traffic."""
        for name in self.deployed:
            if not VERSION_NAME.match(name):
                raise UnsafeMove(f"invalid version name {name!r}: expected v<number>")
        if self.stable not in self.deployed:
            raise UnsafeMove(f"stable version {self.stable!r} is not deployed; deployed: {', '.join(self.deployed)}")
        if isinstance(self.canary_weight, bool) or not isinstance(self.canary_weight, int) \
                or not 0 <= self.canary_weight <= 100:
            raise UnsafeMove(f"canary weight must be an integer from 0 to 100, not {self.canary_weight!r}")
        if self.canary is not None:
            if self.canary not in self.deployed:
                raise UnsafeMove(f"unknown version {self.canary!r}; deployed: {', '.join(self.deployed)}")
            if self.canary == self.stable:
                raise UnsafeMove(f"canary and stable are both {self.stable}")
        elif self.canary_weight:
            raise UnsafeMove("a canary weight without a canary version")
        if self.shadow is not None:
            if self.shadow not in self.deployed:
                raise UnsafeMove(f"unknown shadow version {self.shadow!r}; deployed: {', '.join(self.deployed)}")
            if self.shadow == self.stable:
                raise UnsafeMove(f"{self.shadow} is stable: it cannot shadow itself")
        return self

    def to_json(self) -> dict:
        return {**asdict(self), "deployed": list(self.deployed)}

    @classmethod
    def from_json(cls, data: dict) -> "RoutingState":
        if data.get("format") != FORMAT_VERSION:
            raise CanaryError(f"routing state format {data.get('format')!r}; this tool reads {FORMAT_VERSION}")
        return cls(**{**data, "deployed": tuple(data["deployed"])})


def write_json_atomically(path: Path, data, before_replace=lambda: None) -> None:
    """Temp file in the same folder, fsync, replace: a reader sees the old or the new document, whole.
    ``before_replace`` runs once the new document is safely on disk; if it raises, nothing is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # readable by a gateway running as another user (docker)
        before_replace()
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def remove_stale_temporaries(path: Path) -> None:
    """Temp files a killed writer left beside ``path``. Call under the writers' lock: no live writer has one."""
    for stale in path.parent.glob(f".{path.stem}-*.json"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


@dataclass
class StateStore:
    """routing.json, history.jsonl and the writers' lock, in one folder the gateway can read."""

    directory: Path
    actor: str = field(default_factory=lambda: os.environ.get("CANARY_ACTOR") or getpass.getuser())

    @property
    def state_path(self) -> Path:
        return self.directory / "routing.json"

    @property
    def last_good_path(self) -> Path:
        """A copy of the last valid state: the gateway routes by it when routing.json is broken."""
        return self.directory / "routing.last-good.json"

    @property
    def history_path(self) -> Path:
        return self.directory / "history.jsonl"

    def exists(self) -> bool:
        return self.state_path.exists()

    def read(self) -> RoutingState:
        try:
            return RoutingState.from_json(json.loads(self.state_path.read_text(encoding="utf-8")))
        except FileNotFoundError as error:
            raise CanaryError(f"no routing state at {self.state_path}: run `make up` first") from error
        except (json.JSONDecodeError, TypeError, KeyError) as error:
            raise CanaryError(f"routing state {self.state_path} is unreadable: {error}") from error

    @contextlib.contextmanager
    def locked(self, timeout_s: float = LOCK_TIMEOUT_S):
        """One writer at a time: two operators cannot interleave read-modify-write. Raises CanaryError, naming
        the holder, when another writer keeps the lock for longer than ``timeout_s``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a+") as lock:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        lock.seek(0)
                        holder = lock.read().strip() or "an unknown process"
                        raise CanaryError(f"the routing state is locked by {holder} for over {timeout_s:.0f} s; "
                                          "nothing was changed (try again, or stop that process)") from None
                    time.sleep(0.05)
            lock.truncate(0)
            lock.write(f"pid {os.getpid()} ({self.actor})")
            lock.flush()
            try:
                for path in (self.state_path, self.last_good_path):
                    remove_stale_temporaries(path)
                yield
            finally:
                lock.truncate(0)
                fcntl.flock(lock, fcntl.LOCK_UN)

    def write(self, state: RoutingState, action: str, **details) -> RoutingState:
        """Validate, then record the change in the history and replace routing.json, as one step: when the
        history line cannot be written the state is not changed (CanaryError). Call under locked()."""
        previous = self.read() if self.exists() else None
        state = replace(state, generation=(previous.generation + 1) if previous else 1).validate()
        entry = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
                 "actor": self.actor, "action": action, **details,
                 "before": previous.to_json() if previous else None, "after": state.to_json()}
        write_json_atomically(self.state_path, state.to_json(), before_replace=lambda: self._record(entry))
        write_json_atomically(self.last_good_path, state.to_json())
        return state

    def _record(self, entry: dict) -> None:
        try:
            with open(self.history_path, "a", encoding="utf-8") as history:
                size = history.tell()
                try:
                    history.write(json.dumps(entry) + "\n")
                    history.flush()
                    os.fsync(history.fileno())
                except OSError:
                    with contextlib.suppress(OSError):
                        history.truncate(size)  # no half line for `rollback` to trip over
                    raise
        except OSError as error:
            raise CanaryError(f"could not record the change in {self.history_path} ({error}); "
                              "the routing state is unchanged") from error

    def history(self) -> list[dict]:
        if not self.history_path.exists():
            return []
        return [json.loads(line) for line in self.history_path.read_text(encoding="utf-8").splitlines() if line]
