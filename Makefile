# The two commands of the README's quick start. Each works on a fresh machine with only
# python3, pip and apt: scripts/bootstrap.sh makes .venv if missing and installs what is needed.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.cxkit-installed
# the demo needs the package alone; the dev stamp (tests) implies it
DEMO_STAMP := $(VENV)/.cxkit-runtime-installed

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml scripts/bootstrap.sh
	@bash scripts/bootstrap.sh $(VENV)
	@touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml scripts/bootstrap.sh
	@bash scripts/bootstrap.sh $(VENV) runtime
	@touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/cxkit demo

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
