# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install lint lock clean chromium screenshots

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

# The platform with demo data on the embedded default: SQLite, filesystem broker, local media.
run: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo
	DJANGO_DEBUG=true scripts/run-dev.sh

# Lint, import layers, migrations, and the whole suite on PostgreSQL and Redis (loopback),
# browser tests included (tests/e2e, Debian's Chromium).
test: install lint chromium
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n 2 --dist loadfile

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work offline).
CHROMIUM := /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
		&& { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "The browser tests need $(CHROMIUM): install Debian's chromium package (apt-get install chromium)."; exit 1; }; }
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is still missing: install Debian's chromium package."; exit 1; }

# PNGs of the operator dashboard and an order page with the demo data, into docs/screenshots/
# (with a Korean font, fonts-nanum, so the demo companies' names show).
screenshots: install chromium
	@fc-list 2>/dev/null | grep -qi nanum || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq fonts-nanum >/dev/null; } || true
	$(BIN)/pytest -q -p no:randomly tests/e2e/screenshots.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Re-resolve the pinned set after changing pyproject.toml's dependencies.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf var $(VENV)

# Hardening (docs/fuzzing.md, docs/load-results.md, docs/operator-guide.md).
.PHONY: fuzz load faults
# Schemathesis over the whole API with many more examples than the bounded run in `make test`.
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-25} $(BIN)/pytest -q -p no:randomly tests/test_fuzz.py

# Locust headless against gunicorn on PostgreSQL and Redis for 60 s; writes docs/load-results.md.
load: install
	scripts/load.sh

# Faults. In process: Redis down (storefront serves, job starts 503), database gone then back. A real
# Celery worker killed with SIGKILL mid-job (syndication) and mid-run (settlement). Then, for real: a throwaway PostgreSQL cluster restarted
# under load behind gunicorn -> clean 503s, recovery without an app restart (docs/fault-results.md).
faults: install
	$(BIN)/pytest -q -p no:randomly tests/core/test_outages.py
	$(BIN)/pytest -q -p no:randomly tests/integrations/test_crash.py tests/marketplace/test_settlement_crash.py
	$(BIN)/python scripts/pg_restart_fault.py

# Read replicas for real: a throwaway primary and a pg_basebackup streaming replica on loopback,
# gunicorn on both; replica reads, read-your-writes, the lag bound, a stopped replica (about a minute).
.PHONY: replica-test
replica-test: install
	$(BIN)/python scripts/replica_check.py
