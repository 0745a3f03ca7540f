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

.PHONY: demo test lint typecheck check install bench docs clean check-python

check-python:
	@$(PYTHON) scripts/check_python.py $(VENV)

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

install: $(STAMP)

demo: $(VENV)/.installed-viz
	$(BIN)/tinygrad-edu tour

$(VENV)/.installed-viz: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[viz]"
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto

lint: $(STAMP)
	$(BIN)/ruff check tinygrad_edu tests examples benchmarks scripts docs/_tools
	$(BIN)/ruff format --check tinygrad_edu tests examples benchmarks scripts docs/_tools

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench.py --out bench-results

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $@

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

check: lint typecheck test

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
