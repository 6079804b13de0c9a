# Two commands for a fresh machine (Python 3.11 and make): `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

## run: install, create or migrate the database, load members, questionnaire and demo, serve
run: $(VENV)/.installed
	$(BIN)/survey init-db
	$(BIN)/survey seed
	$(BIN)/survey seed-demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(BIN)/survey run --host $(HOST) --port $(PORT)

## test: install test dependencies and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

## serve: gunicorn with several workers against SURVEY_DATABASE_URL (migrates first).
## With SURVEY_REDIS_URL set, exports and mail go to the Redis queue: run `survey worker`
## beside it (same environment); without it they run within the request.
serve: $(VENV)/.installed
	$(BIN)/survey init-db
	@if [ -n "$$SURVEY_REDIS_URL" ]; then echo "Background jobs go to Redis: keep '$(BIN)/survey worker' running (same environment)."; fi
	$(BIN)/gunicorn --workers $${SURVEY_WORKERS:-4} --bind $(HOST):$(PORT) 'survey:create_app()'

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
