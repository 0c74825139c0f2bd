# Everything a fresh machine needs, from Python 3.11 and the package registries.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Superset pins SQLAlchemy 1.4 and pandas 2: it gets a virtualenv of its own.
SUPERSET_VENV := .venv-superset
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
DEMO_LANDING ?= .yibao/landing

.PHONY: setup superset browser services citus demo test test-fast test-times bench bench-loader bench-quality bench-dashboards serve clean

setup: $(STAMP) superset

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==25.*"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## Superset 6.1 in .venv-superset (about 100 s, once); yibao serve drives it.
superset: $(SUPERSET_STAMP)

$(SUPERSET_STAMP): dashboards/superset-constraints.txt
	$(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_VENV)/bin/pip install --quiet --upgrade "pip==25.*"
	$(SUPERSET_VENV)/bin/pip install --quiet -c dashboards/superset-constraints.txt \
		apache-superset==6.1.0 psycopg2-binary rich cachetools
	touch $(SUPERSET_STAMP)

## Debian's Chromium for the bulletin's PDF and the browser tests (Playwright drives it; its own
## download cannot work here) and a font with the Chinese characters of the bulletin, its chart
## and the dashboards' screenshots.
browser: $(CHROMIUM) $(CJK_FONT)

# apt-get and installing into the system need root: through sudo when make runs as another user.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT := $(SUDO) apt-get

$(CHROMIUM) $(CJK_FONT):
	$(APT) install -y chromium fonts-wqy-zenhei || ($(APT) update && $(APT) install -y chromium fonts-wqy-zenhei)

## Debian's redis-server (Superset's cache in the production-profile test) and docker-compose
## (validates docker-compose.yml; no container engine is needed for that).
REDIS := /usr/bin/redis-server
COMPOSE := /usr/bin/docker-compose

services: $(REDIS) $(COMPOSE)

$(REDIS) $(COMPOSE):
	$(APT) install -y redis-server docker-compose || ($(APT) update && $(APT) install -y redis-server docker-compose)

## Citus (distributed PostgreSQL) for the Citus tests and benchmarks, where it is missing: Debian's
## PostgreSQL 15 and build dependencies, then vendor/citus-13.2.2.tar.gz built against them
## (vendor/README.md: licence, and the patch for Debian's recent 15.x headers). Statistics
## reporting is left out (--without-libcurl), and so is JIT bitcode (the servers run with jit off).
## A real server uses Citus's own packages or image (docs/citus.md).
CITUS_VERSION := 13.2.2
PG15_CONFIG := /usr/lib/postgresql/15/bin/pg_config
CITUS_LIB := /usr/lib/postgresql/15/lib/citus.so
CITUS_BUILD_DEPS := postgresql-15 postgresql-server-dev-15 libkrb5-dev liblz4-dev libzstd-dev
CITUS_BUILD := $(or $(TMPDIR),/tmp)/yibao-citus-build

citus: $(CITUS_LIB)

$(CITUS_LIB):
	$(APT) install -y $(CITUS_BUILD_DEPS) || ($(APT) update && $(APT) install -y $(CITUS_BUILD_DEPS))
	rm -rf $(CITUS_BUILD) && mkdir -p $(CITUS_BUILD)
	tar -xzf vendor/citus-$(CITUS_VERSION).tar.gz -C $(CITUS_BUILD)
	patch -d $(CITUS_BUILD) -p1 < vendor/citus-$(CITUS_VERSION)-have_createdb_privilege.patch
	cd $(CITUS_BUILD) && ./configure --quiet PG_CONFIG=$(PG15_CONFIG) --without-libcurl
	$(MAKE) -C $(CITUS_BUILD) -j2 --quiet with_llvm=no
	$(SUDO) $(MAKE) -C $(CITUS_BUILD) --quiet install with_llvm=no
	rm -rf $(CITUS_BUILD)

## Generate the demo landing directory (once), load and build it, then serve the dashboards and
## the Dagster UI until Ctrl-C.
demo: setup browser
	test -d $(DEMO_LANDING) || $(BIN)/yibao generate --out $(DEMO_LANDING)
	$(BIN)/yibao run --landing $(DEMO_LANDING)
	$(BIN)/yibao serve

## The whole test suite, against a real embedded PostgreSQL, a local Citus cluster, Superset and
## Chromium (Citus is built once, where it is missing: make citus), on two pytest-xdist workers
## (TEST_WORKERS=0: in one process). The tests of a module, and those of a warehouse built once
## per session, share a worker (tests/conftest.py schedules them).
TEST_WORKERS ?= 2
PYTEST := PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pytest -n $(TEST_WORKERS)

test: setup browser services citus
	$(PYTEST)

## The inner loop: every test but those that run the pipeline, a browser or Superset, or Citus
## (markers set from the fixtures a test uses); PostgreSQL tests included. TESTS=tests/x.py for one file.
test-fast: setup
	$(PYTEST) -m "not pipeline and not browser and not citus" $(TESTS)

## The suite's wall-clock times, fast subset and full suite, each in a clean clone of HEAD
## (BASELINE=<commit> times that commit's full suite after them, the same way).
test-times: setup browser services citus
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m benchmarks.suite_times $(if $(BASELINE),--baseline $(BASELINE))

## Load and build 1M settlements, add one more month, time the dashboards' charts and record the
## figures on docs/benchmarks.md; then one month of 1M over realistic persons and over 400 person
## IDs (BENCH_FLAGS=--settlements=10000000 for 10M, --skewed-persons=0 without the skewed month).
bench: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m benchmarks.load_and_build $(BENCH_FLAGS)

## The loader on one month of 1M settlements: its load beside a bare COPY, CRLF/BOM/GB18030 files
## against LF, memory for a 300 MB file with a quote.
bench-loader: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m benchmarks.loader_paths $(BENCH_FLAGS)

## Time the data-quality checks against the loads at 1M settlements.
bench-quality: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m benchmarks.quality_overhead $(BENCH_FLAGS)

## Time every chart's query through Superset's chart data API at 1M settlements.
bench-dashboards: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m benchmarks.chart_queries $(BENCH_FLAGS)

serve: setup
	$(BIN)/yibao serve

clean:
	rm -rf .yibao dbt_project/target dbt_project/logs
