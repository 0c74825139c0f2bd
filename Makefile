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

.PHONY: setup superset browser demo test bench bench-quality bench-dashboards serve clean

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

## Debian's Chromium for the browser tests (Playwright drives it; its own download cannot work
## here) and a font with the Chinese characters of the dashboards, for legible screenshots.
browser: $(CHROMIUM) $(CJK_FONT)

# apt-get needs root: through sudo when make runs as another user.
APT := $(if $(filter 0,$(shell id -u)),,sudo) apt-get

$(CHROMIUM) $(CJK_FONT):
	$(APT) install -y chromium fonts-wqy-zenhei || ($(APT) update && $(APT) install -y chromium fonts-wqy-zenhei)

## Generate the demo landing directory (once), load and build it, then serve the dashboards and
## the Dagster UI until Ctrl-C.
demo: setup
	test -d $(DEMO_LANDING) || $(BIN)/yibao generate --out $(DEMO_LANDING)
	$(BIN)/yibao run --landing $(DEMO_LANDING)
	$(BIN)/yibao serve

## The whole test suite, against a real embedded PostgreSQL, Superset and Chromium.
test: setup browser
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pytest

## Load and build 1M settlements (BENCH_FLAGS=--settlements=10000000 for 10M).
bench: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m benchmarks.load_and_build $(BENCH_FLAGS)

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
