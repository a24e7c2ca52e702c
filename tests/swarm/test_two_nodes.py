"""Two nodes on one machine: a second Docker engine in its own network namespace and data root joins the
swarm as a worker (deploy/swarm-node.sh join 2), takes version replicas, and is then stopped under load."""
import pytest

from canary.backends.swarm import run_node_script
from tests.helpers import wait_for

from .test_swarm_stack import Load

pytestmark = pytest.mark.slow

VERSIONS = ("ocr-v1", "ocr-v2")


def nodes_of(stack, service: str) -> list[str]:
    return sorted(task["NodeID"] for task in stack.backend.running_tasks(service))


@pytest.fixture
def second_node(stack, node):
    run_node_script("join", "2")
    try:
        wait_for(lambda: sum(entry.attrs["Status"]["State"] == "ready" for entry in node.nodes.list()) == 2, 60,
                 "the second node is ready")
        manager = node.info()["Swarm"]["NodeID"]
        yield manager, next(entry.id for entry in node.nodes.list() if entry.id != manager)
    finally:
        run_node_script("leave", "2")


def test_replicas_on_both_nodes_and_losing_one_fails_no_request_beyond_those_in_flight(stack, second_node):
    manager, second = second_node
    # A third replica of each version goes to the node with fewer of them: the new one. (A forced update would
    # move both: on a tie Swarm prefers the node running fewer tasks in all, and the manager runs the rest.)
    for service in VERSIONS:
        stack.backend.scale(service, 3)
    try:
        wait_for(lambda: all(nodes_of(stack, service) == sorted([manager, manager, second]) for service in VERSIONS),
                 300, "two replicas of each version on the manager, one on the second node")
        stack.set_weight(50)
        with Load(stack.url) as load:
            run_node_script("stop", "2")  # its engine stops, and every task on it
            wait_for(lambda: all(nodes_of(stack, service) == [manager] * 3 for service in VERSIONS), 180,
                     "Swarm reschedules the lost replicas on the node that is left")
    finally:
        for service in VERSIONS:
            stack.backend.scale(service, 2)
    assert len(load.failures) <= len(load.clients), load.failures  # at most the requests in flight
    assert set(load.answers) == {"v1", "v2"}
    assert len(load.answers) > 50
    wait_for(lambda: all(len(nodes_of(stack, service)) == 2 for service in VERSIONS), 60, "two replicas again")
