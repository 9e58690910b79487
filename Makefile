# The two commands: `make demo` (set up and run the whole job) and `make test` (the whole test suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test lint install lock clean-data

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/countermark demo

test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

# Re-resolve the pinned dependencies into requirements.lock from a throwaway environment.
lock:
	rm -rf /tmp/countermark-lock && $(PYTHON) -m venv /tmp/countermark-lock
	/tmp/countermark-lock/bin/python -m pip install --quiet '.[dev]'
	/tmp/countermark-lock/bin/python -m pip freeze --exclude countermark | sort -f > requirements.lock

clean-data:
	rm -rf countermark-data
