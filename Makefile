# Set-up on a fresh Debian machine: `make up` (start the stack) and `make test` (run the tests).
# Every target installs what it needs (Debian packages, the venv) idempotently.
SHELL := /bin/bash
# Debian's interpreter when there is one: the stack's workers run as an unprivileged user (local mode run as
# root), and an interpreter installed under a private home (pyenv in /root) is unreadable to them.
PYTHON ?= $(if $(wildcard /usr/bin/python3),/usr/bin/python3,python3)
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
STACK_STAMP := $(VENV)/.installed-stack
VERSION ?= v2
MODEL ?= v2
IMAGES ?=
export PYTHONPATH := $(CURDIR)

.PHONY: deps deps-stack test test-fast train cache eval eval-pages import predict bench

# Running the stack needs the gateway, the engine and the runtime venv (requirements-stack.txt); training,
# evaluation and the tests add fonts, Chromium, node, torch and the rest (requirements-dev.txt).
$(STACK_STAMP): requirements-stack.txt shared/preprocess/requirements.txt shared/preprocess/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-stack.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e shared/preprocess
	touch $@

$(VENV_STAMP): requirements-dev.txt $(STACK_STAMP)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

.PHONY: host-packages-stack host-packages-all
host-packages-stack host-packages-all: host-packages-%:
	@bash deploy/host-packages.sh $*

deps-stack: host-packages-stack $(STACK_STAMP)

deps: host-packages-all $(VENV_STAMP)

# The end-to-end suite (tests/e2e) needs the engine and the images: built here, cached between runs.
test: deps images
	$(PY) -m pytest -q -ra

test-fast: deps
	$(PY) -m pytest -q -ra -m "not slow"

cache: deps
	$(PY) -m training.render_cache --config $(VERSION)

# Conv features pre-trained on single characters (committed; the configs start from them).
training/checkpoints/chars.pt:
	$(MAKE) deps
	OMP_NUM_THREADS=$${TRAIN_THREADS:-1} $(PY) -m training.pretrain_chars --minutes 21

# A stage config (e.g. v2-stage1) trains weights that a later config warm-starts from (init_from). The tree keeps
# only the weights today's versions start from; earlier stages' are restored from git history, else trained.
training/checkpoints/%.pt: training/checkpoints/chars.pt
	git show "$$(git rev-list -1 HEAD -- $@)^:$@" > $@ 2>/dev/null || { rm -f $@; \
	  $(PY) -m training.render_cache --config $* && \
	  OMP_NUM_THREADS=$${TRAIN_THREADS:-1} $(PY) -m training.train --config $*; }

WARM_START = $(shell sed -n 's|.*"init_from": "\(.*\)".*|training/checkpoints/\1.pt|p' training/configs/$(VERSION).json)

# Resumable: run it again after an interruption and it continues from runs/$(VERSION)/checkpoint.pt.
train: cache training/checkpoints/chars.pt $(WARM_START)
	OMP_NUM_THREADS=$${TRAIN_THREADS:-1} $(PY) -m training.train --config $(VERSION)
	$(PY) -m training.decoder_settings --version $(VERSION) --write
	$(PY) -m training.evaluate --version $(VERSION) --write-manifest
	$(PY) -m training.evaluate_pages --version $(VERSION) --write-manifest
	$(PY) -m training.model_card --version $(VERSION)

# `make eval`: v1, v2 and the models trained elsewhere side by side (blind UI set first); VERSION=vN: one, in full.
EVAL_COMPARE ?= v1,v2,ppocrv4-mobile,ppocrv6-small
# GREEDY=1: read without the versions' language model (what the networks alone read).
eval: deps
	$(PY) -m training.evaluate $(if $(filter command line,$(origin VERSION)),--version $(VERSION),--compare $(EVAL_COMPARE)) $(if $(GREEDY),--greedy)

# A version from a model trained elsewhere: `make import VERSION=v3 FROM=ppocrv6-small` (or ppocrv4-mobile).
FROM ?=
import: deps
	@test -n "$(FROM)" || { echo "usage: make import VERSION=v3 FROM=ppocrv6-small|ppocrv4-mobile"; exit 2; }
	$(PY) -m training.import_models version --version $(VERSION) --from $(FROM)
	$(PY) -m training.evaluate --version $(VERSION) --write-manifest
	$(PY) -m training.evaluate_pages --version $(VERSION) --write-manifest
	$(PY) -m training.model_card --version $(VERSION)

eval-pages: deps
	$(PY) -m training.evaluate_pages --version $(VERSION) $(if $(GREEDY),--greedy)

FORMAT ?= tsv
predict: deps
	@test -n "$(IMAGES)" || { echo "usage: make predict MODEL=v2 IMAGES=<file or folder> [FORMAT=jsonl]"; exit 2; }
	@$(PY) -m ocr.predict --model services/ocr-$(MODEL) --format $(FORMAT) $(IMAGES)

# The peers the page benchmark runs side by side (RapidOCR's pipelines), in their own environment.
BENCH_VENV_STAMP := .venv-bench/.installed
$(BENCH_VENV_STAMP): bench/requirements-peers.txt shared/preprocess/requirements.txt
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q --disable-pip-version-check -r bench/requirements-peers.txt
	.venv-bench/bin/pip install -q --disable-pip-version-check --no-deps rapidocr==3.10.0 rapidocr-onnxruntime==1.4.4
	touch $@

# ONLY=line_peers,pages: re-measure those sections alone, in place (the peers' venv is made first).
bench: deps images $(BENCH_VENV_STAMP)
	$(PY) -m bench.run $(if $(ONLY),--only $(ONLY))

# The stack, in one of two modes, the gateway on 127.0.0.1:8080 in both: docker (the compose stack in
# deploy/, chosen when an engine is reachable or can be started) or local (one gunicorn per version on
# loopback, v1 :8001, v2 :8002). `make up MODE=swarm` deploys the swarm stack (deploy/swarm-stack.yml:
# replicas of each version and of the gateway, Prometheus) on a manager engine in its own network namespace.
# `make up MODE=local|docker|swarm` forces one; every other target follows the
# mode `up` chose (recorded in .run/mode). The control tool (python -m canary) owns .run/state/.
MODE ?=
CANARY := CANARY_MODE=$(MODE) $(PY) -m canary
WEIGHT ?=
.PHONY: up down status canary promote rollback history deploy retire images wheelhouse rollout shadow compare dashboard
up: deps-stack
	@mode="$(MODE)"; \
	if [ -z "$$mode" ]; then mode=local; bash deploy/start-docker.sh && mode=docker; fi; \
	if [ "$$mode" != local ]; then $(MAKE) --no-print-directory images || exit 1; fi; \
	CANARY_MODE=$$mode $(PY) -m canary up --versions v1,v2 --stable v1

# Images for docker mode, built offline: wheels downloaded on the host, base image from Debian
# packages when no registry answers (deploy/build-images.sh).
images: deps-stack wheelhouse
	@bash deploy/start-docker.sh
	bash deploy/build-images.sh

wheelhouse: deploy/wheelhouse/.complete
deploy/wheelhouse/.complete: shared/preprocess/requirements.txt | $(STACK_STAMP)
	$(PY) -m pip download -q --disable-pip-version-check --only-binary=:all: \
		-r shared/preprocess/requirements.txt -d deploy/wheelhouse
	touch $@

down:
	@if [ -x $(PY) ]; then $(CANARY) down; fi

# Swarm mode: another node on this machine (a Docker engine in a network namespace of its own) joins as a
# worker, with the stack's images; `make swarm-leave NODE=2` takes it out again (`make down` does too).
NODE ?= 2
.PHONY: swarm-join swarm-leave
swarm-join swarm-leave: swarm-%:
	bash deploy/swarm-node.sh $* $(NODE)

status: deps-stack
	$(CANARY) status

canary: deps-stack
	@test -n "$(WEIGHT)" || { echo "usage: make canary WEIGHT=30 [VERSION=v2]"; exit 2; }
	$(CANARY) canary $(WEIGHT) $(if $(filter command line,$(origin VERSION)),--version $(VERSION))

promote: deps-stack
	$(CANARY) promote

rollback: deps-stack
	$(CANARY) rollback

history: deps-stack
	$(CANARY) history

# Progressive rollout of the canary (deploy/rollout.json): steps, gates, promote or roll back by itself.
# ACTION=pause|resume|abort|status from another terminal; `make rollout` again resumes after a crash.
ACTION ?= start
rollout: deps-stack
	$(CANARY) rollout $(ACTION) $(if $(filter command line,$(origin VERSION)),--version $(VERSION))

# Shadow traffic: VERSION gets a mirrored copy of stable's requests (VERSION=off stops); compare reports.
shadow: deps-stack
	@test -n "$(filter command line,$(origin VERSION))" || { echo "usage: make shadow VERSION=v2|off"; exit 2; }
	$(CANARY) shadow $(VERSION)

compare: deps-stack
	$(CANARY) compare $(if $(filter command line,$(origin VERSION)),--shadow $(VERSION))

# Live page for a rollout on http://127.0.0.1:8081 (DASHBOARD_LISTEN changes it).
dashboard: deps-stack
	$(CANARY) dashboard

deploy retire: deps-stack
	@test -n "$(filter command line,$(origin VERSION))" || { echo "usage: make $@ VERSION=v3"; exit 2; }
	$(CANARY) $@ $(VERSION)
