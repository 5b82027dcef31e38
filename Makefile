# callbox: `make run` serves on the embedded default, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-pipeline bench-bulk gen lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/callbox serve

test: $(STAMP)
	$(VENV)/bin/ruff check callbox tests bench
	$(VENV)/bin/mypy callbox
	bash scripts/test-services.sh
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/ingest.py

bench-pipeline: $(STAMP)
	$(PY) bench/pipeline.py

bench-bulk: $(STAMP)
	$(PY) bench/bulk.py

gen: $(STAMP)
	$(VENV)/bin/callbox gen

clean:
	rm -rf $(VENV) var .pytest_cache
