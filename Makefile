# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install lint lock clean system-packages screenshots

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
# browser tests (tests/e2e, Debian's Chromium) and the proxy's tests (Debian's nginx) included.
# Whole files per worker, the longest first (tests/conftest.py), so none starts last.
test: install lint system-packages
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

# What the tests drive from Debian: Chromium for the browser tests (Playwright's own browser
# download cannot work offline), nginx and openssl for the proxy's. Installed with apt-get when
# missing and we can (as root); else stop naming the packages.
SYSTEM_PACKAGES := /usr/bin/chromium:chromium /usr/sbin/nginx:nginx-light /usr/bin/openssl:openssl
system-packages:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do test -x "$${pair%%:*}" || missing="$$missing $${pair##*:}"; done; \
	[ -z "$$missing" ] && exit 0; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi; \
	for pair in $(SYSTEM_PACKAGES); do test -x "$${pair%%:*}" || { echo "make test needs $${pair%%:*}: install Debian's $${pair##*:} package (apt-get install$$missing)."; exit 1; }; done

# PNGs of the operator dashboard and an order page with the demo data, into docs/screenshots/
# (with a Korean font, fonts-nanum, so the demo companies' names show).
screenshots: install system-packages
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

# Hardening (docs/hardening.md, docs/load-results.md, docs/operator-guide.md).
.PHONY: fuzz load faults
# Schemathesis over the whole API with many more examples than the bounded run in `make test`, on
# PostgreSQL; `make fuzz FUZZ_DB=sqlite` on the embedded default's database (SQLite, in memory).
FUZZ_DB ?= postgresql
fuzz: install
	$(if $(filter sqlite,$(FUZZ_DB)),TEST_DATABASE_URL=sqlite://) FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-25} \
		$(BIN)/pytest -q -p no:randomly tests/test_fuzz.py

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
