# Set-up, build and test. `make book` and `make test` each create the virtual
# environment on first use, so either works on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.installed
BOOK_OUT ?= .
BUILD := $(BOOK_OUT)/_build
TOC ?= _toc.yml
JB_FLAGS ?= -W -n --keep-going

.PHONY: help install book test test-notebooks test-site test-all lint typecheck serve clean clean-cache wheel benchmark

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	@# torch first and pinned, so nothing can pull a CUDA build from the registry.
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) "torch==2.13.0"
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e ".[book,test]"
	@touch $@

install: $(STAMP)  ## create .venv and install dlbook with the book and test extras

# After the build: `sync` copies the chapters' notebooks into chapters/ (commit them);
# CI runs `make book NOTEBOOKS=check`, which fails when they are stale instead.
NOTEBOOKS ?= sync
# Chapters execute in parallel before the site is built, one kernel per core.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# The build's kernels: strict self-checks (a rejected solution fails the build) and
# glue that prints nothing (the page quotes the values).
BUILD_ENV := DLBOOK_BOOK_BUILD=1 DLBOOK_CHECK_STRICT=1

book: $(STAMP)  ## build the HTML site (re-executes chapters when dlbook or the pins change)
	$(PY) -m tools.cache_guard --build-dir $(BUILD)
	$(PY) -m tools.execute --build-dir $(BUILD) --toc $(TOC) --jobs $(JOBS)
	$(BUILD_ENV) $(BIN)/jupyter-book build . --path-output $(BOOK_OUT) --toc $(TOC) $(JB_FLAGS)
	$(PY) -m tools.notebooks $(NOTEBOOKS) --toc $(TOC) --build-dir $(BUILD)
	@echo "Site built: open $(abspath $(BUILD))/html/index.html (or run 'make serve')."

test: $(STAMP)  ## unit tests of dlbook (CUDA tests skip without a GPU)
	$(PY) -m pytest tests dlbook -m "not site" -q

test-notebooks: $(STAMP)  ## run every chapter notebook in a bare Colab-like kernel (commit first)
	$(PY) -m tools.notebook_check $(if $(NOTEBOOK_LATEST),--latest) $(if $(NOTEBOOK_BINDER),--binder)

test-site: $(STAMP)  ## checks of the built site in _build/html (run after make book)
	SITE_DIR=$(BUILD)/html TOC=$(TOC) $(PY) -m pytest tests/site -m site -q

lint: $(STAMP)  ## ruff lint and format check
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) ruff mypy
	$(BIN)/ruff check dlbook tests tools
	$(BIN)/ruff format --check dlbook tests tools

typecheck: $(STAMP)  ## mypy on dlbook
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) mypy
	$(BIN)/mypy

PORT ?= 8000
serve: ## serve the built site on http://127.0.0.1:$(PORT) (PORT=8001 make serve for another port)
	@test -f $(BUILD)/html/index.html || $(MAKE) book
	@$(PY) -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); r=s.connect_ex(('127.0.0.1', $(PORT))); s.close(); sys.exit(0 if r else 'port $(PORT) is busy: run make serve PORT=<another port>')"
	@echo "Serving the book on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory $(BUILD)/html

wheel: $(STAMP)  ## build the dlbook wheel into dist/
	$(PY) -m pip wheel --no-deps -w dist .

clean-cache:  ## forget executed outputs (chapters re-execute on the next build)
	rm -rf $(BUILD)/.jupyter_cache $(BUILD)/.doctrees $(BUILD)/.dlbook-fingerprint

clean:  ## remove the built site, caches and the virtual environment
	rm -rf $(BUILD) $(VENV) dist build *.egg-info .pytest_cache .hypothesis
