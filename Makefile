# The two commands: `make demo` runs the main job, `make test` runs everything CI checks.
# Both set up the virtual environment (and any Debian package needed) on first use.

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tarifa-installed

.PHONY: demo test coverage lint typecheck unit schema bench clean-demo lock

$(STAMP): pyproject.toml requirements.lock scripts/bootstrap.sh
	./scripts/bootstrap.sh
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

# The suite runs without coverage: line tracing doubles the time of the Python-bound tests,
# and CI has 15 minutes. `make coverage` runs it with the report.
test: $(STAMP) lint typecheck
	$(BIN)/pytest -q
	$(BIN)/python bench/customers_import.py --smoke
	$(BIN)/python bench/pricing.py --smoke
	$(BIN)/python bench/rating.py --smoke
	$(BIN)/python bench/usage_parts.py --smoke
	$(BIN)/python bench/bill_run.py --smoke
	$(BIN)/python bench/render.py --smoke
	$(BIN)/python bench/api_load.py --smoke
	$(BIN)/python bench/payments.py --smoke
	$(BIN)/python bench/reconcile.py --smoke

coverage: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Rewrite src/tarifa/sql/schema.sql from a freshly migrated database and the catalog file's
# JSON Schema from its pydantic models (commit the results; tests compare both).
schema: $(STAMP)
	$(BIN)/python -m tarifa.db.schema > src/tarifa/sql/schema.sql
	$(BIN)/tarifa catalog schema > src/tarifa/catalog/catalog.schema.json

bench: $(STAMP)
	$(BIN)/python bench/customers_import.py
	$(BIN)/python bench/pricing.py
	$(BIN)/python bench/rating.py
	$(BIN)/python bench/usage_parts.py
	$(BIN)/python bench/bill_run.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/api_load.py
	$(BIN)/python bench/payments.py
	$(BIN)/python bench/reconcile.py

# Regenerate requirements.lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean-demo:
	$(BIN)/tarifa db destroy --yes || true
	rm -rf .tarifa demo-output
