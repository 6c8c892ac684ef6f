# One command to run the reader, one to run the tests; both set up what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench clean setup

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/reader $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check reader tests benchmarks
	$(BIN)/ruff format --check reader tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# worksteal: a worker that runs out of tests takes half of the other's queue. With the default (load), the
# queues are handed out in chunks and one worker sat idle for minutes at the end of the run (measured: 132 s
# vs 293 s of tests per worker; worksteal 210 s vs 212 s).
pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist worksteal $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'  # trafilatura (the extraction baseline) and numpy
	$(BIN)/python benchmarks/poll.py
	$(BIN)/python benchmarks/extract.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/keys.py

clean:
	rm -rf $(VENV) build *.egg-info
