"""The gateway's view of each version, from access-log lines."""
import json

from canary.gateway_view import gateway_view

NOW = 1_800_000_000.0


def line(seconds_ago, **fields):
    import datetime
    moment = datetime.datetime.fromtimestamp(NOW - seconds_ago, datetime.timezone.utc).isoformat()
    return json.dumps({"time": moment, "status": 200, "route": "weighted", "upstream_status": "200",
                       "upstream_time": "0.012", "avoided": "", **fields})


def test_failed_attempts_routed_around_requests_and_mirrors_are_told_apart():
    lines = [line(5, chosen="v2", upstream_status="504, 200", upstream_time="10.001, 0.010", route="failover"),
             line(4, chosen="v1", avoided="v2"), line(3, chosen="v1", avoided="v2"),
             line(2, chosen="v2", status=503, upstream_status="502", route="pinned"),
             line(1, chosen="v2", route="shadow", upstream_status="504"),
             line(120, chosen="v2", upstream_status="504"),  # too old
             "2026/11/25 16:00:00 [warn] 7#7: an nginx error line"]
    view = gateway_view(lines, NOW, 60)
    assert view["v2"] == {"requests": 2, "client_5xx": 1, "upstream_failures": 3, "routed_around": 2, "mirrored": 1,
                          "upstream_p95_ms": None}
    assert view["v1"]["requests"] == 2 and view["v1"]["upstream_p95_ms"] == 12.0
