"""Local mode run as root: the masters bind the ports and read the config; every worker, the code that reads
client data, runs as the unprivileged service user."""
import os
import pwd
from pathlib import Path

import pytest

from canary.backends.local import SERVICE_USER, child_pids, pid_alive

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="run as another user, the stack already runs as that user")


def uid_of(pid: int) -> int:
    """The real uid of a process."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def test_nginx_and_gunicorn_workers_run_as_the_service_user_and_still_serve(stack, session):
    service_uid = pwd.getpwnam(SERVICE_USER).pw_uid
    masters = {"nginx": pid_alive(stack.backend.run_dir / "gateway" / "nginx.pid", "nginx"),
               "v1": pid_alive(stack.backend.run_dir / "ocr-v1.pid", "gunicorn"),
               "v2": pid_alive(stack.backend.run_dir / "ocr-v2.pid", "gunicorn")}
    for name, master in masters.items():
        workers = child_pids(master)
        assert workers, name
        assert {uid_of(worker) for worker in workers} == {service_uid}, name
    assert set(stack.answered_by(session, 10, **{"X-Model-Version": "v2"})) == {"v2"}
