# Two commands: `make run` (install, migrate, seed, serve) and `make test` (install, run every test).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
LOG_LEVEL ?= info
export HOST PORT LOG_LEVEL

.PHONY: run test test-quick check install install-test migrate seed openapi openapi-check lock vendor clean bench opendata

# Every line on stderr in LOG_FORMAT (uvicorn's too, through app/log_config.json); the app writes its own access lines.
run: seed ## Serve the API with the seeded catalogue on http://$(HOST):$(PORT)
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --log-level $(shell echo $(LOG_LEVEL) | tr A-Z a-z) \
	  --log-config app/log_config.json --no-access-log

# The browser tests' npm packages (playwright-core, axe-core), installed from their lock when npm is there.
NPM := $(shell command -v npm 2>/dev/null)
EMBED_NODE := tests/embed/node_modules/.installed

test: install-test $(if $(NPM),$(EMBED_NODE)) ## Run the whole test suite (TEST_DATABASE_URL=postgresql+psycopg://… to run it on PostgreSQL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-quick: install-test ## Run every test but the slow ones (fuzzing, browser, load, faults, subprocesses): under 2 minutes
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# ruff check only (never `ruff format`).
check: install-test ## Lint app/, migrations/, bench/ and tests/ with ruff, type-check app/ with mypy (strict)
	$(BIN)/ruff check app migrations bench tests
	$(BIN)/mypy

$(EMBED_NODE): tests/embed/package.json tests/embed/package-lock.json
	cd tests/embed && npm ci --no-audit --no-fund --prefer-offline
	@touch $@

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed: $(VENV)/.python-ok requirements/main.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/main.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements/test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/test.txt
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install ## Apply the Alembic migrations to DATABASE_URL
	$(BIN)/alembic upgrade head

seed: migrate ## Validate seed/*.yaml and load it into an empty catalogue (never over changes made through the API)
	$(BIN)/python -m app.seed --if-empty

OPENDATA_DIR ?= data/opendata
opendata: seed ## Write the data package (datapackage.json and one CSV per table) to $(OPENDATA_DIR), for data.gouv.fr
	$(BIN)/python -m app.opendata $(OPENDATA_DIR) $(if $(AS_OF),--as-of $(AS_OF))

bench: install ## Benchmark one worker against a bare ASGI baseline on SQLite and PostgreSQL (docs/benchmarks.md)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

openapi: install ## Regenerate openapi/openapi.json from the app
	$(BIN)/python -m app.openapi

openapi-check: install
	$(BIN)/python -m app.openapi --check

lock: ## Re-pin dependencies (needs network): requirements/*.in -> requirements/*.txt
	$(PYTHON) -m venv /tmp/post-internat-lock && /tmp/post-internat-lock/bin/pip install --quiet pip-tools
	cd requirements && /tmp/post-internat-lock/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o main.txt main.in
	cd requirements && /tmp/post-internat-lock/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o test.txt test.in

clean:
	rm -rf $(VENV) data .pytest_cache
