# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app:create_app

.PHONY: run test bench venv venv-dev translations worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

translations: venv
	$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling catalog" || true

## make run: migrate, load demo data once, serve on http://127.0.0.1:$(PORT)
run: venv translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --if-empty
	@echo "Artel is at http://127.0.0.1:$(PORT)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT) --no-reload --no-debugger

# The suite runs in this many processes (pytest-xdist), each on its own database and Redis dbs.
TEST_PROCESSES ?= 2
# The one test that forks the test process runs alone, by day only: a fork copies no thread, and a
# child forked while an xdist worker's or libfaketime's thread holds a lock can hang.
FORK_TEST := tests/core/test_queue.py::test_a_forked_child_starts_its_own_embedded_threads

## make test: start PostgreSQL and Redis if they are down, install chromium if it is missing,
## run the whole suite (TEST_DATABASE_URL, TEST_REDIS_URL), then run it again at 02:00 in Moscow
test: venv-dev translations
	bash tests/prepare-machine.sh
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --deselect $(FORK_TEST)
	$(BIN)/python -m pytest $(FORK_TEST)
	bash tests/at-night.sh $(BIN)/python -m pytest -n $(TEST_PROCESSES) --deselect $(FORK_TEST)

## make bench: benchmarks against PostgreSQL and Redis, written to bench/results.json
bench: venv-dev translations
	$(BIN)/python -m bench

## the RQ worker of a Procfile-style deployment (needs REDIS_URL)
worker: venv
	$(BIN)/flask worker --simple

clean:
	rm -rf $(VENV)
