# Touchpoint — the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test test-fast bench audit clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make run: embedded default (SQLite + filesystem broker) unless DATABASE_URL / REDIS_URL are set.
run: install
	$(PY) manage.py run_demo

## make test: the whole suite on Postgres + Redis, real Celery worker, headless Chromium.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## make bench [SECTION=name]: the performance harness.
bench: install
	$(PY) -m bench $(if $(SECTION),--section $(SECTION))

clean:
	rm -rf .run
