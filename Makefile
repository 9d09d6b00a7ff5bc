# `make run` installs and serves on the embedded default; `make test` installs and runs the checks.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint unit postgres clean

$(PY):
	@PYTHON_BIN=$$(scripts/find-python) && "$$PYTHON_BIN" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# Browser tests run in their own process: Playwright's sync API keeps an event loop
# running in the main thread, which would break later tests that call asyncio.run.
unit: $(STAMP)
	$(VENV)/bin/pytest -q -m "not browser"
	$(VENV)/bin/pytest -q -m browser || [ $$? -eq 5 ]

# Same suite again on the real PostgreSQL and Redis when both URLs are set (CI sets them);
# one without the other is a mistake, not a reason to skip.
postgres: $(STAMP)
	@if [ -n "$$AUTOFILL_TEST_DATABASE_URL" ] && [ -n "$$AUTOFILL_TEST_REDIS_URL" ]; then \
		$(VENV)/bin/pytest -q -m "not browser"; \
	elif [ -n "$$AUTOFILL_TEST_DATABASE_URL$$AUTOFILL_TEST_REDIS_URL" ]; then \
		echo "the PostgreSQL pass needs both AUTOFILL_TEST_DATABASE_URL and AUTOFILL_TEST_REDIS_URL"; \
		exit 2; \
	else echo "AUTOFILL_TEST_DATABASE_URL and AUTOFILL_TEST_REDIS_URL not set: the PostgreSQL pass is skipped"; fi

test: lint unit
	@AUTOFILL_TEST_BACKEND=postgres $(MAKE) --no-print-directory postgres

clean:
	rm -rf $(VENV) autofill.db
