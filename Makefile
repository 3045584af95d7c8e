# The task runner: the README and CI call these targets.
#
# The database is DATABASE_URL's when it is set; otherwise the embedded PostgreSQL in .postgres/
# (portal/embedded_db.py), started by the first command that needs it and reused by the next.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ADDRESS ?= 127.0.0.1:8000
LOCAL := DJANGO_DEBUG=true DJANGO_DEMO=true
# uv never downloads a Python of its own: the venv's is the one `make` checked.
UV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv
# The database for commands that run with production settings (no debug, so no embedded default).
WITH_DATABASE := url=$${DATABASE_URL:-$$($(BIN)/python -m portal.embedded_db url)} || exit 1; \
	export DATABASE_URL=$$url;

.PHONY: run test check lint install outdated stop-db clean chromium bench bench-smoke audit

run: install  ## Set up, migrate, load the demo data into an empty database and serve the portal.
	$(LOCAL) $(BIN)/python manage.py migrate --no-input
	$(LOCAL) $(BIN)/python manage.py seed_demo --if-empty
	$(LOCAL) $(BIN)/python manage.py demo_accounts
	$(LOCAL) $(BIN)/python manage.py runserver $(ADDRESS)

test: install chromium  ## Run the whole test suite, on as many workers as there are cores.
	$(BIN)/python -m pytest -n auto

chromium:  ## The browser tests drive Debian's Chromium; install it when we may.
	@command -v chromium >/dev/null || [ -x "$${CHROMIUM:-/usr/bin/chromium}" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The browser tests need Chromium: install it (Debian/Ubuntu: sudo apt-get install chromium)"; \
	    echo "or set CHROMIUM to its path. To run the other tests only: .venv/bin/pytest -m 'not browser'"; \
	    exit 1; \
	  fi; }

check: install  ## Deployment checks with production-like settings, migrations (and their safety), lint, format, imports.
	@$(WITH_DATABASE) set -x; \
	DJANGO_SECRET_KEY=ci-$$(date +%s%N)-a-long-production-like-secret-key-0123456789abcdef \
	DJANGO_ALLOWED_HOSTS=portal.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING && \
	$(BIN)/python manage.py makemigrations --check --dry-run
	@$(WITH_DATABASE) DJANGO_DEBUG=true DJANGO_LOG_LEVEL=WARNING $(BIN)/python manage.py lintmigrations \
	  --quiet ok ignore --warnings-as-errors CREATE_INDEX CREATE_INDEX_EXCLUSIVE DROP_INDEX REINDEX
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

bench: install  ## The London-scale benchmark: 100,000 projects on PostgreSQL, gunicorn, a bounded load.
	$(BIN)/python bench/run.py

bench-smoke: install  ## The benchmark at 1,000 projects and a few requests, to keep it working.
	$(BIN)/python bench/run.py --smoke

.PHONY: cluster cluster-check backup restore

cluster: install  ## On this machine: a primary and a replica, Redis, two gunicorn servers behind HAProxy.
	$(BIN)/python bench/cluster.py

cluster-check: install  ## The cluster under load, one app server stopped midway: no request may fail.
	$(BIN)/python bench/cluster.py --check

backup: install  ## A pg_dump of DATABASE_URL's database (or the embedded one's) into backups/.
	@$(WITH_DATABASE) $(BIN)/python -m portal.backups dump

restore: install  ## Restore FILE=backups/... into a new database INTO=name on the same server.
	@$(WITH_DATABASE) $(BIN)/python -m portal.backups restore "$(FILE)" "$(INTO)"

audit: install chromium  ## Lighthouse on every kind of public page, as a phone sees it (slow: not in CI).
	$(BIN)/python bench/audit.py

install: $(VENV)/.installed static/build/portal.css  ## The locked Python packages and the styles.

outdated: install  ## The dependencies with newer releases than the lock holds.
	$(UV) tree --outdated --depth 1 --locked

stop-db:  ## Stop the embedded PostgreSQL (its data stays in .postgres/ for the next start).
	@[ ! -x $(BIN)/python ] || $(BIN)/python -m portal.embedded_db stop

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "The portal's styles are built with Node.js and npm: install Node.js 20 or newer."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/portal.css: node_modules/.installed $(wildcard static/scss/*.scss)
	npm run --silent build

# uv installs exactly what uv.lock holds; it comes itself, at the version the lock pins, from pip.
$(VENV)/.installed: pyproject.toml uv.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { \
	  echo "The portal needs Python 3.12 or newer, but '$(PYTHON)' is: $$($(PYTHON) --version 2>&1 | head -1)."; \
	  echo "Install Python 3.13 (with pyenv: 'pyenv install 3.13', which .python-version selects;"; \
	  echo "or your system's python3.13 package) and run this again, or name it: make PYTHON=python3.13 ..."; \
	  exit 1; }
	@[ -x $(BIN)/uv ] || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet \
	  "uv==$$(sed -n '/^name = "uv"$$/{n;s/version = "\(.*\)"/\1/p;}' uv.lock)"; }
	$(UV) sync --locked --quiet
	touch $@

clean: stop-db  ## Remove the virtual environment, node_modules, build output and the embedded database.
	rm -rf $(VENV) node_modules static/build staticfiles test-artifacts .postgres .postgres.lock
