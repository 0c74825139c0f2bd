# Everything a fresh machine needs, from Python 3.11 and the package registries.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_LANDING ?= .yibao/landing

.PHONY: setup demo test bench bench-quality serve clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==25.*"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## Generate the demo landing directory (once), load and build it, print the summary.
demo: setup
	test -d $(DEMO_LANDING) || $(BIN)/yibao generate --out $(DEMO_LANDING)
	$(BIN)/yibao run --landing $(DEMO_LANDING)

## The whole test suite, against a real embedded PostgreSQL.
test: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pytest

## Load and build 1M settlements (BENCH_FLAGS=--settlements=10000000 for 10M).
bench: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m benchmarks.load_and_build $(BENCH_FLAGS)

## Time the data-quality checks against the loads at 1M settlements.
bench-quality: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m benchmarks.quality_overhead $(BENCH_FLAGS)

serve: setup
	$(BIN)/yibao serve

clean:
	rm -rf .yibao dbt_project/target dbt_project/logs
