# Tier 1 needs only Python 3.10+: `make test` makes .venv, installs pytest, hypothesis and ruff, runs tests/.
PYTHON ?= python3
VENV ?= .venv

.PHONY: test test-bench lint demo demo-serve e2e e2e-ci

test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q tests

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q "pytest>=7" "hypothesis>=6" "ruff>=0.6" "tomli>=2; python_version<'3.11'"
	touch $@

# Tier 2 on a bench: BENCH=/path/to/frappe-bench SITE=site.localhost make test-bench
test-bench:
	.ci/bench-tests

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check dealer_relations tests tools e2e
	$(VENV)/bin/ruff format --check dealer_relations tests tools e2e

# One command to a served demo site (see README "Try it"). Variables: FRAPPE_SRC, FRAPPE_BRANCH,
# ERPNEXT_SRC, ERPNEXT_BRANCH, BENCH_DIR, SITE, DB_ROOT_PASSWORD, PORT (SERVE=0 builds without serving).
demo:
	$(PYTHON) tools/demo.py

demo-serve:
	$(PYTHON) tools/demo.py serve

# Browser tests against the demo site (make demo first): Playwright for Python + the system Chromium.
e2e: $(VENV)/.e2e-installed
	$(VENV)/bin/python tools/e2e.py

$(VENV)/.e2e-installed: $(VENV)/.installed
	$(VENV)/bin/python -m pip install -q "playwright>=1.40"
	touch $@

# CI: like e2e, but says why and succeeds when there is no bench, demo site or browser here.
e2e-ci: $(VENV)/.e2e-installed
	$(VENV)/bin/python tools/e2e.py --skip-if-missing
