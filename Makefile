# Two commands for a fresh machine:
#   make demo   set up .venv and run the main job on the shipped sample with the embedded e5 model
#   make test   set up .venv with the test extras and system packages, then run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: demo test setup setup-test serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files re-run an install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# torch 2.13.0 first: that pin takes the CPU build from this machine's disk, where a plain requirement would pull a
# multi-GB CUDA build for sentence-transformers.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[st,test]'
	touch $@

# An editable install leaves the package's bytecode uncompiled, and environments that set PYTHONDONTWRITEBYTECODE
# (this one does) never cache it: every run would compile ~50 modules again. Compiling here, as installing a wheel
# does, skips files already up to date.
COMPILE := $(BIN)/python -m compileall -q triage api

setup: $(VENV)/.installed
	$(COMPILE)

setup-test: $(VENV)/.installed-test
	bash scripts/system-packages.sh
	$(COMPILE)

demo: setup
	$(BIN)/triage run samples/suggestions.csv --out $(OUT)

test: setup-test
	bash scripts/with-postgres.sh $(BIN)/python -m pytest

serve: setup
	$(BIN)/triage serve --load samples/suggestions.csv

clean:
	rm -rf $(VENV) $(OUT) .cache
