# Yima — the two commands of the README are `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres:postgres@127.0.0.1:5432/postgres
# pytest-xdist workers for `make test`: more than the cores pay, as many tests wait on servers,
# subprocesses and chromium (see the README's development section). TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 4
APT_PACKAGES := postgresql chromium fonts-wqy-zenhei fonts-noto-cjk poppler-utils openssl sqlite3

.PHONY: demo demo-federated test test-services install system-deps postgres lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Install, seed the demo zones/users/data into var/yima.db, and serve http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/yima demo

## The two demo zones as two instances (var/demo-cq.db on :8000, var/demo-cd.db on :8001), partners of each other
demo-federated: $(STAMP)
	$(BIN)/yima demo --federated

## Install and run the whole suite (SQLite always; PostgreSQL when reachable at $(PG_URL)).
## As root it also installs the Debian packages and starts PostgreSQL, so a fresh machine needs nothing else.
## The suite writes compiled modules (PYTHONDONTWRITEBYTECODE is unset for it): a collection pass beside mypy,
## on the core mypy leaves idle, compiles Yima and rewrites the test modules' assertions once, and the
## workers, their zygotes and the servers they start read those files instead of each compiling them again.
test: $(STAMP) test-services
	$(BIN)/ruff check src tests
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -p no:cacheprovider --collect-only >/dev/null & \
	warm=$$!; $(BIN)/mypy; status=$$?; wait $$warm; exit $$status
	$(BIN)/lint-imports
	env -u PYTHONDONTWRITEBYTECODE YIMA_TEST_POSTGRES_URL=$(PG_URL) \
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

## Debian packages: PostgreSQL, chromium (Playwright drives it), CJK fonts, poppler
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; fi

## Start Debian's PostgreSQL cluster and give the postgres user a password for TCP logins
postgres:
	pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true
	@for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
	su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""

test-services:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then $(MAKE) --no-print-directory system-deps postgres; \
	else echo "not root: using the Debian packages already installed; PostgreSQL tests skip if it is not running"; fi

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/yima bench register

clean:
	rm -rf $(VENV) var .pytest_cache
