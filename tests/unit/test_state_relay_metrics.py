"""A gateway replica's relay metrics: what Prometheus reads to see which state a replica routes by and whether
it has lost its source (gateway/state_relay.py, written without a client library)."""
from prometheus_client.parser import text_string_to_metric_families

from gateway.state_relay import Follower


def samples(follower: Follower) -> dict[str, float]:
    return {sample.name: sample.value for family in text_string_to_metric_families(follower.exposition().decode())
            for sample in family.samples}


def test_the_metrics_follow_the_state_applied_and_the_source_lost_and_restored(tmp_path):
    follower = Follower("http://relay.invalid:9000", tmp_path / "routing.json", "replica-1")
    assert samples(follower)["ocr_gateway_state_generation"] == 0
    follower.generation, follower.applied = "7", 3
    follower.note(True)
    assert samples(follower) == {"ocr_gateway_state_generation": 7, "ocr_gateway_state_source_up": 1,
                                 "ocr_gateway_state_source_lost_seconds": 0, "ocr_gateway_states_applied_total": 3}
    follower.note(False, "URLError")
    lost = samples(follower)
    assert lost["ocr_gateway_state_source_up"] == 0 and lost["ocr_gateway_state_generation"] == 7
    follower.note(True)
    assert samples(follower)["ocr_gateway_state_source_up"] == 1
