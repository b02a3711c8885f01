PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: demo test bench lint

$(VENV_STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(VENV_STAMP)

# The demo on SQLite: `clb worker` (scheduled jobs and notices) in the background beside the web
# server, stopped with it; it says where mail goes (by default files in var/mail, nothing leaves
# the machine).
demo: $(VENV_STAMP)
	.venv/bin/clb migrate --noinput
	.venv/bin/clb load-reference
	.venv/bin/clb load-demo --if-empty
	mkdir -p var; .venv/bin/clb worker > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Werker gestart (pid $$worker, log in var/worker.log)."; \
	.venv/bin/clb mail-destination; \
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
