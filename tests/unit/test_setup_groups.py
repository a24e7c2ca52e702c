"""`make up` installs what running the stack needs; fonts, Chromium, node and torch come with `make test`."""
import re
import subprocess

from tests.helpers import ROOT


def packages(group: str) -> set[str]:
    listed = subprocess.run(["bash", str(ROOT / "deploy" / "host-packages.sh"), group, "--list"], check=True,
                            capture_output=True, text=True, timeout=10).stdout
    return set(listed.split())


def test_the_stack_group_holds_the_gateway_and_the_engine_and_nothing_for_training_or_tests():
    stack, everything = packages("stack"), packages("all")
    assert {"nginx", "libnginx-mod-http-js", "docker.io", "debootstrap"} <= stack < everything
    assert not {name for name in stack if name.startswith("fonts-") or name in ("chromium", "nodejs")}
    assert {"chromium", "nodejs", "fonts-noto-cjk"} <= everything


def test_operator_targets_need_only_the_stack_and_the_stack_venv_has_no_torch():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("up", "status", "canary", "promote", "rollback", "rollout", "shadow", "images"):
        assert re.search(rf"^{target}: deps-stack\b", makefile, re.M), target
    for target in ("test", "cache", "eval"):
        assert re.search(rf"^{target}: deps\b", makefile, re.M), target
    stack_requirements = (ROOT / "requirements-stack.txt").read_text()
    assert "torch==" not in stack_requirements and "docker==" in stack_requirements
