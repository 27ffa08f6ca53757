# epiaid — the two commands that matter are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export EPIAID_DATA_DIR ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
PG_PORT ?= 54329
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get -y -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test venv install install-dev assets lint typecheck pytest test-sqlite test-postgres \
        system-test-deps demo serve serve-with-worker bench clean

## make run: install into .venv, build front-end assets, migrate, load demo data, serve on 127.0.0.1:8000
## with one background worker (and the schedules) beside the web server; Ctrl-C stops both.
run: install assets demo serve-with-worker

## make test: everything the tests need, then ruff, mypy and pytest on SQLite and on PostgreSQL
test: install-dev assets system-test-deps lint typecheck test-sqlite test-postgres

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[assay]"
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e ".[assay,dev,spark,docking,voice]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Leaflet and marker clustering come from npm at build time and are served by us (no CDN).
assets: src/epiaid/core/static/vendor/.built
src/epiaid/core/static/vendor/.built: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p src/epiaid/core/static/vendor/leaflet src/epiaid/core/static/vendor/markercluster
	cp -r frontend/node_modules/leaflet/dist/. src/epiaid/core/static/vendor/leaflet/
	cp -r frontend/node_modules/leaflet.markercluster/dist/. src/epiaid/core/static/vendor/markercluster/
	touch $@

## Debian packages the test suite drives for real: Chromium, PostgreSQL, Java for Spark, espeak-ng and sipp (care-call voice),
## slurm-wlm + slurmdbd + mariadb-server + munge (programmes: the tests start their own single-node Slurm, no systemd).
system-test-deps:
	@need=""; \
	command -v chromium >/dev/null || need="$$need chromium"; \
	fc-list 2>/dev/null | grep -qi nanum || need="$$need fonts-nanum"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	command -v java >/dev/null || need="$$need openjdk-17-jre-headless"; \
	command -v espeak-ng >/dev/null || need="$$need espeak-ng"; \
	command -v sipp >/dev/null || need="$$need sip-tester"; \
	[ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] || need="$$need slurm-wlm"; \
	[ -x /usr/sbin/slurmdbd ] || need="$$need slurmdbd"; \
	[ -x /usr/sbin/mariadbd ] || need="$$need mariadb-server"; \
	[ -x /usr/sbin/munged ] || need="$$need munge"; \
	if [ -n "$$need" ]; then echo "installing:$$need"; $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -qq $$need >/dev/null; fi

lint:
	$(VENV)/bin/ruff check src tests bench

typecheck:
	EPIAID_DEBUG=1 $(VENV)/bin/mypy

test-sqlite:
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

test-postgres: system-test-deps
	@url=$$(scripts/postgres-test-server.sh start $(PG_PORT)) && echo "PostgreSQL test server: $$url" && \
	EPIAID_DATABASE_URL=$$url $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS); rc=$$?; \
	scripts/postgres-test-server.sh stop $(PG_PORT); exit $$rc

# The local demo runs with EPIAID_DEBUG=1 (derived secrets, plain HTTP): said aloud, never the default.
run demo serve serve-with-worker bench: export EPIAID_DEBUG ?= 1

demo: install
	@echo "EPIAID_DEBUG=$$EPIAID_DEBUG: local demo mode (secrets derived, plain HTTP); set the secrets and EPIAID_DEBUG=0 in production"
	$(VENV)/bin/epiaid demo

serve:
	@echo "epiaid is serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(VENV)/bin/epiaid serve --host $(HOST) --port $(PORT)

serve-with-worker:
	@echo "epiaid is serving on http://$(HOST):$(PORT)/ with a background worker  (Ctrl-C stops both)"
	@$(VENV)/bin/epiaid worker --scheduler & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(VENV)/bin/epiaid serve --host $(HOST) --port $(PORT)

bench: install-dev
	@for b in bench/*/run.sh; do echo "== $$b"; bash $$b || exit 1; done

clean:
	rm -rf $(VENV) var src/epiaid/core/static/vendor frontend/node_modules .pytest_cache .mypy_cache .ruff_cache
