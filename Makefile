# Two commands for a newcomer: `make run` and `make test`. Both set themselves up:
# a virtual environment in .venv, re-installed only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PO := $(wildcard bot/i18n/locale/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run web test lint typecheck check-content score bench clean messages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Catalogs are compiled from the committed .po files; .mo files are build output.
bot/i18n/locale/%/LC_MESSAGES/messages.mo: bot/i18n/locale/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

run: $(STAMP) $(MO)
	$(PY) -m bot run

# The web chat, widget and staff panel on WEB_HOST:WEB_PORT (default 127.0.0.1:8080).
web: $(STAMP) $(MO)
	$(PY) -m bot web

test: $(STAMP) $(MO)
	$(VENV)/bin/ruff check bot storage tests $(wildcard bench)
	$(VENV)/bin/mypy bot storage
	$(PY) -m bot check-content
	$(PY) -m pytest

check-content: $(STAMP)
	$(PY) -m bot check-content

score: $(STAMP) $(MO)
	$(PY) ../shared/eval/score.py --project . --show-failures

bench: $(STAMP) $(MO)
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find bot -name '*.mo' -delete

# Re-extract interface strings and merge them into the catalogs (then translate the new entries).
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 --no-location --sort-output -o bot/i18n/messages.pot .
	$(VENV)/bin/pybabel update -i bot/i18n/messages.pot -d bot/i18n/locale -D messages --no-fuzzy-matching
