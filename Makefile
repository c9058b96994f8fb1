# Wandr: two commands set everything up on a fresh machine.
#   make demo   install what is missing, start the local stack, load the demo data, serve
#   make test   install what is missing, lint, run every test
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
UV := .venv/bin/uv
export SSL_CERT_FILE ?= /etc/ssl/certs/ca-certificates.crt
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup system python node footage frontend demo test lint test-fast test-stack screenshots clean

help:
	@echo "make demo   - install what is missing, start the local stack with demo data, serve"
	@echo "make test   - install what is missing, lint, run every test"

setup: system python node footage

# Debian packages: chromium for the browser tests, ffmpeg/ffprobe for video handling.
system:
	@command -v chromium >/dev/null && command -v ffprobe >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ffmpeg; }

# --compile-bytecode: uv does not write .pyc files by default, and with
# PYTHONDONTWRITEBYTECODE nothing else does, so every process compiled what it imported
# (3.6 s to import the ingest code; 1.0 s with the bytecode written once here).
python: .venv/.installed
.venv/.installed: requirements.lock requirements-nodeps.txt pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	@test -x $(UV) || .venv/bin/pip install -q uv==0.13.8
	$(UV) pip install -q --compile-bytecode --python $(PY) -r requirements.lock
	$(UV) pip install -q --compile-bytecode --python $(PY) --no-deps -r requirements-nodeps.txt
	# torch: the CPU wheel (only used once, to export the re-ID embedding to ONNX)
	$(UV) pip install -q --python $(PY) --no-deps --find-links /opt/wheels "torch==2.13.0" \
	  || $(UV) pip install -q --python $(PY) --no-deps --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
	$(UV) pip install -q --python $(PY) --no-deps -e .
	@touch $@

node: infra/node_modules/.installed frontend/node_modules/.installed
infra/node_modules/.installed: infra/package-lock.json
	npm ci --prefix infra --no-audit --no-fund --loglevel=error
	@touch $@
# `npm install` rather than `npm ci`: biome's optional per-platform binaries for other
# systems are absent from this registry, which `npm ci` treats as a lock mismatch. The lock
# file still pins every version that is installed.
frontend/node_modules/.installed: frontend/package-lock.json
	npm install --prefix frontend --no-audit --no-fund --loglevel=error
	@touch $@

footage:
	@bash containers/vision/fetch_footage.sh

frontend: node
	npm run build --prefix frontend

demo: setup frontend
	$(PY) -m wandr.cli up

lint: python node
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	npm run lint --prefix frontend

# Unit, infra (CDK assertions) and moto-mocked tests; then the local-stack suite (API over
# HTTP, real workflows, the browser) in its own process, since moto's in-process mocks and
# the local stack's server share moto's global state.
test-fast: python
	$(PY) -m pytest -m "not stack" -n 2 -q

test-stack: python frontend
	$(PY) -m pytest -m stack -q

test: setup lint frontend
	$(PY) -m pytest -m "not stack" -n 2 -q
	$(PY) -m pytest -m stack -q

# Refresh the committed screenshots in docs/screenshots/ from a browser-test run.
screenshots: python frontend
	WANDR_UPDATE_SCREENSHOTS=1 $(PY) -m pytest -m stack -q tests/e2e

clean:
	rm -rf .venv cdk.out frontend/dist frontend/node_modules infra/node_modules .wandr
