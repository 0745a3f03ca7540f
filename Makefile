# Two commands on a fresh machine with Python 3.11 or newer and make:  `make demo`  and  `make test`.
# Another Python gets its own environment: `make test PYTHON=python3.13` builds .venv-python3.13
# (or name one: VENV=DIR).
PYTHON ?= python3
ifeq ($(PYTHON),python3)
VENV   ?= .venv
else
VENV   ?= .venv-$(notdir $(PYTHON))
endif
BIN    := $(VENV)/bin
EXTRAS ?= dev
comma  := ,
STAMP  := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# Every install takes the tested versions (and the build backend's) from constraints.txt. The -W
# filter drops setuptools' "Editable installation" notice, information pip shows as a warning.
CONSTRAINTS := constraints.txt
NO_NOTICE   := -W "ignore:Editable installation:UserWarning"
PIP_INSTALL := $(NO_NOTICE) -m pip install --quiet --constraint $(CONSTRAINTS) \
               --build-constraint $(CONSTRAINTS)
ALL_EXTRAS  := dev,torch,keras,bench

.PHONY: demo test lint typecheck check install bench bench-docs bench-tables docs clean check-python lock

check-python:
	@$(PYTHON) scripts/check_python.py $(VENV)

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS) --upgrade pip

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python $(PIP_INSTALL) -e ".[$(EXTRAS)]"
	touch $@

install: $(STAMP)

demo: $(VENV)/.installed-viz
	$(BIN)/tinygrad-edu tour

$(VENV)/.installed-viz: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python $(PIP_INSTALL) -e ".[viz]"
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto

lint: $(STAMP)
	$(BIN)/ruff check tinygrad_edu tests examples benchmarks scripts docs/_tools demos
	$(BIN)/ruff format --check tinygrad_edu tests examples benchmarks scripts docs/_tools demos

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench.py --out bench-results

# The README's and docs/benchmarks.md's speed tables: a run with 2 threads and one with 1, then
# the tables rewritten from their results.json (bench-tables alone rewrites them from the last runs).
bench-docs: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench.py --threads 2 --out bench-results/threads-2
	$(BIN)/python benchmarks/bench.py --threads 1 --out bench-results/threads-1
	$(MAKE) bench-tables

bench-tables:
	$(BIN)/python benchmarks/bench_tables.py bench-results/threads-2/results.json \
		bench-results/threads-1/results.json

$(VENV)/.installed-bench: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python $(PIP_INSTALL) -e ".[bench]"
	touch $@

# NO_MKDOCS_2_WARNING: Material for MkDocs prints a banner about its successor on every build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

check: lint typecheck test

# Move the pins: the newest versions every extra resolves to on this Python (run it on the declared
# minimum), written to constraints.txt. Then run the checks on each Python before committing.
lock:
	rm -rf .venv-lock
	@$(PYTHON) scripts/check_python.py .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip setuptools
	.venv-lock/bin/python $(NO_NOTICE) -m pip install --quiet -e ".[$(ALL_EXTRAS)]"
	{ echo "# The versions tinygrad_edu is tested with: make and CI install with pip's -c this file."; \
	  echo "# Made by make lock on Python $$(.venv-lock/bin/python -c 'import platform; print(platform.python_version())')."; \
	  .venv-lock/bin/python -m pip freeze --all --exclude-editable | sed -E 's/\+[a-z0-9.]+$$//'; \
	} > $(CONSTRAINTS)
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
