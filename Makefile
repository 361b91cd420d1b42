# The README's two commands: `make run` (set up + default pipeline) and `make test` (set up + tests).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Test processes (pytest-xdist): CI's 2 cores; the SLURM tests mostly wait, so two overlap well.
TEST_WORKERS ?= 2

.PHONY: setup run test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,motor]'
	touch $@

run: setup
	$(BIN)/snakemake --profile profiles/local

test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

clean:
	rm -rf results logs benchmarks .snakemake
