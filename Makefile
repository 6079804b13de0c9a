# Two commands for a fresh machine (Python 3.11 and make): `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint serve clean messages update-catalogues compile-catalogues

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
run: $(VENV)/.installed compile-catalogues
	$(BIN)/survey init-db
	$(BIN)/survey seed
	$(BIN)/survey seed-demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(BIN)/survey run --host $(HOST) --port $(PORT)

## test: install test dependencies and run the whole suite
test: $(VENV)/.installed-test compile-catalogues
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

## serve: gunicorn with several workers against SURVEY_DATABASE_URL (migrates first).
## With SURVEY_REDIS_URL set, exports and mail go to the Redis queue: run `survey worker`
## beside it (same environment); without it they run within the request.
serve: $(VENV)/.installed compile-catalogues
	$(BIN)/survey init-db
	@if [ -n "$$SURVEY_REDIS_URL" ]; then echo "Background jobs go to Redis: keep '$(BIN)/survey worker' running (same environment)."; fi
	$(BIN)/gunicorn --workers $${SURVEY_WORKERS:-4} --bind $(HOST):$(PORT) 'survey:create_app()'

## Interface translations (survey/translations): extract the marked texts, merge them into
## every language's catalogue, compile. Translators edit survey/translations/<lang>/LC_MESSAGES/messages.po.
CATALOGUES := survey/translations
POT        := $(CATALOGUES)/messages.pot
PO_FILES   := $(wildcard $(CATALOGUES)/*/LC_MESSAGES/messages.po)
MO_FILES   := $(PO_FILES:.po=.mo)

messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location \
	  --sort-by-file --project "Bali Process capability survey" -o $(POT) .

update-catalogues: messages
	$(BIN)/pybabel -q update --no-fuzzy-matching -i $(POT) -d $(CATALOGUES)

compile-catalogues: $(MO_FILES)

$(CATALOGUES)/%/LC_MESSAGES/messages.mo: $(CATALOGUES)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile -d $(CATALOGUES) -l $*

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
