# Both targets bootstrap their own virtual environment from python3.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test clean mutation property-large

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" bash scripts/demo.sh

# The suite on TEST_WORKERS processes (pytest-xdist; `make test TEST_WORKERS=0` runs it in one).
# Three on a 2-core machine: the end-to-end tests spend much of their time waiting (Retry-After,
# signals, racing processes), and a third worker uses the core they leave idle.
TEST_WORKERS ?= 3

test: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

clean:
	rm -rf $(VENV) .pytest_cache

# Mutation testing of the diff and the normalisation (planning/diff.py, views.py, liveread.py, align.py, carry.py; mutmut, a dev-only extra; about 2 min on 2 cores).
mutation: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

# The large property run (figures: syncs adopted, edits, false drift, missed drift, settings lost).
property-large: $(BIN)/.installed
	$(BIN)/python -m tests.property.run_large --examples $${EXAMPLES:-300}
