"""The gateway reuses its connections to the versions: at a few hundred requests a second a new connection
per request left ~10k sockets in TIME-WAIT and would run loopback out of ports near 470 requests/s."""
from canary.backends.local import version_port
from tests.stack import LINE_IMAGE

TIME_WAIT = "06"


def time_wait_sockets_to(port: int) -> int:
    """Sockets in TIME-WAIT towards the port (the closing side keeps them: nginx, when it closes)."""
    count = 0
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for row in table:
            fields = row.split()
            if fields[3] == TIME_WAIT and int(fields[2].split(":")[1], 16) == port:
                count += 1
    return count


def test_two_hundred_requests_reuse_a_handful_of_upstream_connections(stack, session):
    port = version_port("v1", stack.backend.service_port_base)
    before = time_wait_sockets_to(port)
    for _ in range(200):
        response = session.post(f"{stack.url}/ocr", data=LINE_IMAGE, headers={"Content-Type": "image/png"},
                                timeout=10)
        assert response.status_code == 200 and response.headers["X-Model-Version"] == "v1"
    assert time_wait_sockets_to(port) - before < 10  # one connection per request would leave ~200
