PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: demo test bench lint

$(VENV_STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV_STAMP)

# The demo on SQLite. Hook for issue 20 item 5: once `clb worker` exists (the notices issue), start it
# here in the background before `clb serve`, and print where the demo's mail goes.
demo: $(VENV_STAMP)
	.venv/bin/clb migrate --noinput
	.venv/bin/clb load-reference
	.venv/bin/clb load-demo --if-empty
	.venv/bin/clb serve --host 127.0.0.1 --port 8000

# The import contracts (pyproject.toml, ARCHITECTURE.md) first: a wrong arrow fails at once. Then
# installs PostgreSQL and Chromium when missing (scripts/ensure_system.py), and runs both halves.
test: $(VENV_STAMP)
	.venv/bin/lint-imports --no-cache
	scripts/test.sh

lint: $(VENV_STAMP)
	.venv/bin/ruff check src tests bench scripts
	.venv/bin/ruff format --check src tests bench scripts
	.venv/bin/lint-imports --no-cache

bench: $(VENV_STAMP)
	$(PY) scripts/pg.py -- $(PY) bench/circulation.py
