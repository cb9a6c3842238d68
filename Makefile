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

## make audit: bandit (our code) and pip-audit (requirements.lock against PyPI's
## vulnerability data). pip-audit needs the network; where it cannot reach the
## service it says so and fails (AUDIT_OFFLINE_OK=1 downgrades that to a warning).
## Findings are fixed or justified in docs/security.md.
AUDIT_TOOLS := bandit==1.9.4 pip-audit==2.10.1
audit: install
	@$(PY) -m pip show -q bandit pip-audit >/dev/null 2>&1 || \
		$(PY) -m pip install --quiet --disable-pip-version-check $(AUDIT_TOOLS)
	$(VENV)/bin/bandit -q -r mentoring sessions_app metrics -ll
	@out=$$($(VENV)/bin/pip-audit -r requirements.lock --no-deps --disable-pip --strict \
		--progress-spinner off 2>&1); code=$$?; echo "$$out" | grep -v "encouraged to fully hash\|pip-compile"; \
	if [ $$code -eq 0 ]; then echo "pip-audit: no known vulnerabilities in requirements.lock"; \
	elif echo "$$out" | grep -q "could not be audited\|ConnectionError\|Failed to resolve"; then \
		echo "pip-audit: could NOT check requirements.lock: no access to the vulnerability service" \
		     "(PyPI JSON API / OSV). Run 'make audit' online or in CI."; \
		[ "$(AUDIT_OFFLINE_OK)" = "1" ] || exit 2; \
	else echo "pip-audit: vulnerable dependencies above: upgrade, or justify in docs/security.md"; exit 1; fi
