"""A version that hangs (SIGSTOP: the port still accepts, nothing answers) must cost clients a bounded wait
once, then be routed around until it answers again; a hung shadow must not hold clients up."""
import contextlib
import json
import os
import signal
import time

from canary import commands
from canary.backends.local import child_pids, pid_alive
from tests.helpers import wait_for
from tests.stack import LINE_IMAGE

TTFB_BOUND_S = 10  # proxy_read_timeout in gateway/nginx.conf.template
EJECT_S = 10  # EJECT_MS in gateway/routing.js


@contextlib.contextmanager
def hung(stack, version):
    """Every process of the version stopped (gunicorn master and workers), continued at the end."""
    master = pid_alive(stack.backend.run_dir / f"ocr-{version}.pid", "gunicorn")
    processes = [master, *child_pids(master)]
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in processes:
            os.kill(pid, signal.SIGCONT)


def timed_post(session, url, **headers):
    started = time.monotonic()
    response = session.post(f"{url}/ocr", data=LINE_IMAGE, headers={"Content-Type": "image/png", **headers},
                            timeout=TTFB_BOUND_S * 3)
    return response, time.monotonic() - started


def access_log(stack):
    return [json.loads(line) for line in (stack.backend.run_dir / "gateway" / "access.log").read_text().splitlines()]


def test_a_hung_canary_is_ejected_after_one_bounded_wait_and_returns_when_it_answers(stack, session):
    stack.set_weight(100)  # every unpinned request chooses the canary
    with hung(stack, "v2"):
        first, first_s = timed_post(session, stack.url)
        later = [timed_post(session, stack.url) for _ in range(20)]
        pinned, _ = timed_post(session, stack.url, **{"X-Model-Version": "v2"})
    assert first.status_code == 200 and first.headers["X-Model-Version"] == "v1"
    assert TTFB_BOUND_S - 0.5 < first_s < TTFB_BOUND_S + 3  # one bounded wait, then the failover answered
    assert [r.headers["X-Model-Version"] for r, _ in later] == ["v1"] * 20  # ejected: no more waits
    assert max(seconds for _, seconds in later) < 1.0
    assert pinned.status_code == 503 and pinned.json()["code"] == "version_down"  # a pin is never moved
    logged = access_log(stack)
    assert any(entry["health"] == "ejected" and entry["chosen"] == "v2" for entry in logged)
    assert any(entry["avoided"] == "v2" for entry in logged)

    time.sleep(EJECT_S + 0.5)  # the ejection ends: the next request tries v2 again, and it answers
    wait_for(lambda: timed_post(session, stack.url)[0].headers["X-Model-Version"] == "v2", timeout_s=10,
             what="v2 to be routed to again")


def test_a_hung_shadow_holds_no_client_up_for_long(stack, session):
    commands.shadow(stack.backend, stack.store, "v2")
    timed_post(session, stack.url)  # a warm connection
    with hung(stack, "v2"):
        answers = [timed_post(session, stack.url) for _ in range(30)]
    assert [r.status_code for r, _ in answers] == [200] * 30
    assert all(r.headers["X-Model-Version"] == "v1" for r, _ in answers)
    seconds = sorted(seconds for _, seconds in answers)
    assert seconds[-1] < 3.5  # at most the mirror's 2 s once, before the shadow is ejected
    assert seconds[-2] < 1.0  # every other request: no wait at all
    assert any(entry.get("route") == "shadow" and entry["health"] == "ejected" for entry in access_log(stack))


def test_an_operators_new_routing_state_ends_every_ejection(stack, session):
    stack.set_weight(100)
    stack.backend.stop_version("v2")
    assert timed_post(session, stack.url)[0].headers["X-Model-Version"] == "v1"  # v2 refused: ejected
    stack.backend.start_version("v2")
    assert {timed_post(session, stack.url)[0].headers["X-Model-Version"] for _ in range(5)} == {"v1"}
    assert stack.cli("promote").returncode == 0  # the operator's intent is tried at once, not overruled
    assert {timed_post(session, stack.url)[0].headers["X-Model-Version"] for _ in range(10)} == {"v2"}


def test_status_shows_what_only_the_gateway_saw(stack, session):
    stack.set_weight(100)
    stack.backend.stop_version("v2")  # refused at the gateway: v2's own counters never see these
    try:
        for _ in range(5):
            assert timed_post(session, stack.url)[0].headers["X-Model-Version"] == "v1"
        report = json.loads(stack.cli("status", "--json").stdout)
    finally:
        stack.backend.start_version("v2")
    v2 = report["versions"]["v2"]["gateway"]
    assert v2["upstream_failures"] >= 1 and v2["routed_around"] >= 3  # one refusal, then ejected
    assert report["versions"]["v1"]["gateway"]["client_5xx"] == 0
