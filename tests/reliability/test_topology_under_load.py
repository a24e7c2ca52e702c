"""Deploying and retiring versions cuts no client's connection. A graceful nginx reload closes every idle
keep-alive connection of the old worker at once, and a client that has just sent its next request on one loses
it (clients do not resend a POST): the v3 walkthrough lost a request in about one run of twenty that way. So
the gateway's config names no version (each is found from its name, per request) and never reloads."""
from canary.backends.local import child_pids, pid_alive
from tests.helpers import wait_for
from tests.stack import LoopingClient

CYCLES = 6  # retire + deploy: twelve topology changes


def gateway_processes(stack) -> tuple[int | None, set[int]]:
    master = pid_alive(stack.backend.run_dir / "gateway" / "nginx.pid", "nginx")
    return master, child_pids(master) if master else set()


def test_retiring_and_deploying_under_load_loses_no_request_and_keeps_the_gateways_worker(stack):
    before = gateway_processes(stack)
    clients = [LoopingClient(stack.url) for _ in range(4)]
    for client in clients:
        client.start()
    for _ in range(CYCLES):
        stack.commands(["retire", "v2"], ["deploy", "v2"])
    stack.commands(["canary", "50", "--version", "v2"])  # the redeployed version takes traffic again
    settled = sum(len(client.answers) for client in clients)
    wait_for(lambda: sum(len(client.answers) for client in clients) > settled + 40, what="40 answers at 50%")
    for client in clients:
        client.finish()
    assert [failure for client in clients for failure in client.failures] == []
    answers = [version for client in clients for version in client.answers]
    assert len(answers) > 100 and "v2" in answers[-40:]
    assert gateway_processes(stack) == before  # no reload: the same master and the same worker
