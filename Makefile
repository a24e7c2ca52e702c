# Set-up on a fresh Debian machine: `make up` (start the stack) and `make test` (run the tests).
# Every target installs what it needs (Debian packages, the venv) idempotently.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
VERSION ?= v2
MODEL ?= v2
IMAGES ?=
export PYTHONPATH := $(CURDIR)

.PHONY: deps host-packages test test-fast train cache eval predict bench

host-packages:
	@bash deploy/host-packages.sh

$(VENV_STAMP): requirements-dev.txt shared/preprocess/requirements.txt shared/preprocess/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e shared/preprocess
	touch $@

deps: host-packages $(VENV_STAMP)

test: deps
	$(PY) -m pytest -q -ra

test-fast: deps
	$(PY) -m pytest -q -ra -m "not slow"

cache: deps
	$(PY) -m training.render_cache --config $(VERSION)

# Resumable: run it again after an interruption and it continues from runs/$(VERSION)/checkpoint.pt.
train: cache
	OMP_NUM_THREADS=$${TRAIN_THREADS:-1} $(PY) -m training.train --config $(VERSION)
	$(PY) -m training.evaluate --version $(VERSION) --write-manifest
	$(PY) -m training.model_card --version $(VERSION)

eval: deps
	$(PY) -m training.evaluate --version $(VERSION)

predict: deps
	@test -n "$(IMAGES)" || { echo "usage: make predict MODEL=v2 IMAGES=<file or folder>"; exit 2; }
	@$(PY) -m ocr.predict --model services/ocr-$(MODEL) $(IMAGES)

bench: deps
	$(PY) -m bench.run

# Until the gateway exists: one gunicorn per version on loopback (v1 on 8001, v2 on 8002).
RUN_DIR := .run
SERVICE_VERSIONS ?= v1 v2
.PHONY: up down
up: deps
	@mkdir -p $(RUN_DIR)
	@for version in $(SERVICE_VERSIONS); do \
	  port=$$((8000 + $${version#v})); pidfile=$(RUN_DIR)/ocr-$$version.pid; \
	  if [ -f $$pidfile ] && kill -0 $$(cat $$pidfile) 2>/dev/null; then echo "ocr-$$version already up on :$$port"; continue; fi; \
	  OCR_VERSION_DIR=services/ocr-$$version GUNICORN_BIND=127.0.0.1:$$port PROMETHEUS_MULTIPROC_DIR= \
	    nohup $(VENV)/bin/gunicorn -c shared/preprocess/ocr/service/gunicorn_conf.py --pid $$pidfile \
	    ocr.service.wsgi:app >> $(RUN_DIR)/ocr-$$version.log 2>&1 & \
	  for attempt in $$(seq 100); do curl -sf 127.0.0.1:$$port/readyz >/dev/null && break; sleep 0.2; done; \
	  curl -sf 127.0.0.1:$$port/readyz >/dev/null && echo "ocr-$$version ready on http://127.0.0.1:$$port" \
	    || { echo "ocr-$$version failed to start: see $(RUN_DIR)/ocr-$$version.log"; exit 1; }; \
	done

down:
	@for pidfile in $(RUN_DIR)/ocr-*.pid; do \
	  [ -f $$pidfile ] || continue; kill $$(cat $$pidfile) 2>/dev/null && echo "stopped $$(basename $$pidfile .pid)"; rm -f $$pidfile; \
	done; true
