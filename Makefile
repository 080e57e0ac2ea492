# Set-up, build and test. `make book` and `make test` each create the virtual
# environment on first use, so either works on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The lock: every package pinned, with the hash of each of its files. constraints.txt
# lists the same versions without hashes (tools/cache_guard.py fingerprints it).
LOCK := requirements/lock.txt
CONSTRAINTS := requirements/constraints.txt
LOCKFILE := $(PYTHON) requirements/lockfile.py
STAMP := $(VENV)/.installed
BOOK_OUT ?= .
BUILD := $(BOOK_OUT)/_build
TOC ?= _toc.yml
JB_FLAGS ?= -W -n --keep-going
# The PDF edition: built by xelatex from Debian's TeX Live, which `make latex-tools`
# installs when it is missing (with sudo when not root).
PDF_NAME := introduction-to-deep-learning.pdf
PDF_FLAGS ?= -W -n --keep-going
LATEX_PACKAGES := latexmk texlive-xetex texlive-fonts-recommended texlive-plain-generic \
	fonts-freefont-otf fonts-lmodern fonts-dejavu-core poppler-utils
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# axe-core for the accessibility tests, at the version in tests/site/package.json.
AXE := tests/site/node_modules/axe-core/axe.min.js

# Where packages come from: PyPI for everything but torch, the PyTorch CPU index for
# torch alone. Every file is checked against its hash in the lock wherever it comes from.
PYPI_INDEX ?= https://pypi.org/simple
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_VERSION := $(shell sed -n 's/^torch==\([^ ]*\).*/\1/p' $(LOCK))
TORCH_RELEASE := $(firstword $(subst +, ,$(TORCH_VERSION)))
# A local wheelhouse (pip's PIP_FIND_LINKS) that holds the locked torch wheel is used
# without asking the index.
TORCH_WHEELHOUSE := $(firstword $(foreach dir,$(PIP_FIND_LINKS),$(wildcard $(dir)/torch-$(TORCH_VERSION)-*.whl)))
TORCH_SOURCE ?= $(if $(TORCH_WHEELHOUSE),--no-index,--index-url $(TORCH_INDEX))
# HASHES=0: versions from constraints.txt without hash checking, for a machine the
# lock has no torch wheel for (it holds the CPU build for Linux x86-64).
HASHES ?= 1
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check
# Packages are installed without byte-compiling them one file at a time; the
# environment is compiled afterwards in one parallel pass (`compileall -j 0`, a process
# per core). Files that do not compile are skipped, as pip skips them.
PIP_FAST := $(PIP_INSTALL) --no-compile
COMPILE := $(PY) -m compileall -q -j 0 \
	$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') > /dev/null || true

# `make lock` (needs uv and the network) re-resolves requirements/book.in; the pins
# already in the lock are kept unless LOCK_ARGS=--upgrade (or --upgrade-package NAME).
UV ?= uv
LOCK_PYTHON ?= 3.11.7
LOCK_PLATFORM ?= x86_64-manylinux_2_28
TORCH_FIND_LINKS ?= $(TORCH_INDEX)/torch/
LOCK_ARGS ?=

.PHONY: help install lock book pdf latex-tools axe test test-notebooks test-site test-all lint lint-workflows typecheck serve clean clean-cache wheel benchmark

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK) $(CONSTRAINTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  echo "note: the lock is made for Python 3.11 on Linux x86-64; if torch fails its hash check, use PYTHON=python3.11 or HASHES=0"
ifeq ($(HASHES),0)
	$(PIP_INSTALL) -c $(CONSTRAINTS) pip setuptools wheel
	$(PIP_FAST) -c $(CONSTRAINTS) --index-url $(TORCH_INDEX) --no-deps "torch==$(TORCH_RELEASE)"
	$(PIP_FAST) -c $(CONSTRAINTS) --index-url $(PYPI_INDEX) -e ".[book,test,dev]"
else
	@echo "install: 1/5 pip, setuptools and wheel, from the lock, so that the locked pip installs the rest"
	$(LOCKFILE) pick pip setuptools wheel > $(VENV)/lock-bootstrap.txt
	$(PIP_INSTALL) --require-hashes --no-deps --index-url $(PYPI_INDEX) -r $(VENV)/lock-bootstrap.txt
	@echo "install: 2/5 torch alone, from the PyTorch CPU index (the only package taken from there; 750 MB unpacked)"
	$(LOCKFILE) pick torch > $(VENV)/lock-torch.txt
	$(PIP_FAST) --require-hashes --no-deps $(TORCH_SOURCE) -r $(VENV)/lock-torch.txt
	@echo "install: 3/5 everything else from PyPI (pip checks that the lock holds every dependency)"
	$(PIP_FAST) --require-hashes --index-url $(PYPI_INDEX) -r $(LOCK)
	@echo "install: 4/5 dlbook itself, with no dependency resolution and the locked setuptools"
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
endif
	@echo "install: 5/5 byte-compiling the environment, one process per core"
	$(COMPILE)
	$(PY) -m pip check
	@touch $@

install: $(STAMP)  ## create .venv with the locked versions (hash-checked) and dlbook

# After the build: `sync` copies the chapters' notebooks into chapters/ (commit them);
# CI runs `make book NOTEBOOKS=check`, which fails when they are stale instead.
NOTEBOOKS ?= sync
# Chapters execute in parallel before the site is built, one kernel per core.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# warm: each kernel is a fork of a process that has imported torch, matplotlib and
# IPython (tools/warm_kernels.py); plain: kernels start as jupyter starts them.
KERNELS ?= warm
# 1: the site build runs beside the kernels and reads each chapter once it has run
# (tools/execute.py -- COMMAND); 0: the site build starts when every chapter has run.
OVERLAP ?= 1
# The build's kernels: strict self-checks (a rejected solution fails the build) and
# glue that prints nothing (the page quotes the values).
BUILD_ENV := DLBOOK_BOOK_BUILD=1 DLBOOK_CHECK_STRICT=1

book: $(STAMP)  ## build the HTML site (re-executes chapters when dlbook or the pins change)
	$(PY) -m tools.cache_guard --build-dir $(BUILD)
ifeq ($(OVERLAP),1)
	$(PY) -m tools.execute --build-dir $(BUILD) --toc $(TOC) --jobs $(JOBS) --kernels $(KERNELS) \
	  -- env $(BUILD_ENV) $(BIN)/jupyter-book build . --path-output $(BOOK_OUT) --toc $(TOC) $(JB_FLAGS)
else
	$(PY) -m tools.execute --build-dir $(BUILD) --toc $(TOC) --jobs $(JOBS) --kernels $(KERNELS)
	$(BUILD_ENV) $(BIN)/jupyter-book build . --path-output $(BOOK_OUT) --toc $(TOC) $(JB_FLAGS)
endif
	$(PY) -m tools.notebooks $(NOTEBOOKS) --toc $(TOC) --build-dir $(BUILD)
	@echo "Site built: open $(abspath $(BUILD))/html/index.html (or run 'make serve')."

pdf: book latex-tools  ## build the book as one PDF from the HTML build's executed outputs
	LATEXOPTS="-interaction=nonstopmode -halt-on-error -file-line-error" \
	  $(BIN)/jupyter-book build . --path-output $(BOOK_OUT) --toc $(TOC) --builder pdflatex $(PDF_FLAGS)
	@log=$(BUILD)/latex/$(PDF_NAME:.pdf=.log); \
	if grep -nE '^(! |\./[^:]+:[0-9]+: )' $$log; then echo "LaTeX errors: see $$log"; exit 1; fi; \
	echo "LaTeX warnings: $$(grep -c 'Warning' $$log) (see $$log)"
	cp $(BUILD)/latex/$(PDF_NAME) $(BUILD)/html/_static/$(PDF_NAME)
	@echo "PDF built: $(abspath $(BUILD))/latex/$(PDF_NAME) ($$(pdfinfo $(BUILD)/latex/$(PDF_NAME) | awk '/^Pages:/ {print $$2}') pages); the site links its copy, _static/$(PDF_NAME)."

latex-tools:  ## install TeX Live, latexmk and fonts for `make pdf` (Debian packages) when missing
	@missing=$$(for p in $(LATEX_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "latex-tools: TeX Live, latexmk and the fonts are installed."; \
	elif ! command -v apt-get >/dev/null; then echo "make pdf needs these Debian packages:" $$missing; exit 1; \
	else echo "latex-tools: installing" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

axe: $(AXE)  ## install axe-core for the accessibility tests (npm, into tests/site/node_modules)

$(AXE): tests/site/package.json tests/site/package-lock.json
	@command -v npm >/dev/null || { echo "the accessibility tests need npm (Debian: apt-get install nodejs npm)"; exit 1; }
	cd tests/site && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Test processes (pytest-xdist); PYTEST_JOBS=0 runs in one process (the fuzz report needs it).
PYTEST_JOBS ?= 2
test: $(STAMP)  ## unit tests of dlbook (CUDA tests skip without a GPU)
	$(PY) -m pytest tests dlbook -m "not site" -q -n $(PYTEST_JOBS)

test-notebooks: $(STAMP)  ## run every chapter notebook in a bare Colab-like kernel (commit first)
	$(PY) -m tools.notebook_check $(if $(NOTEBOOK_LATEST),--latest) $(if $(NOTEBOOK_BINDER),--binder)

test-site: $(STAMP) $(AXE)  ## checks of the built site in _build/html (run after make book)
	SITE_DIR=$(BUILD)/html TOC=$(TOC) $(PY) -m pytest tests/site -m site -q

lint: $(STAMP)  ## ruff lint and format check
	$(BIN)/ruff check dlbook tests tools
	$(BIN)/ruff format --check dlbook tests tools

lint-workflows: $(STAMP)  ## zizmor on the GitHub workflows, and actionlint where it is installed
	$(BIN)/zizmor --offline --min-severity=medium .github
	@if command -v actionlint >/dev/null; then actionlint; else echo "actionlint is not installed: skipped (CI runs it)"; fi

typecheck: $(STAMP)  ## mypy on dlbook
	$(BIN)/mypy

lock:  ## re-resolve requirements/book.in into the lock, with hashes (needs uv and the network)
	@command -v $(UV) >/dev/null || { echo "make lock needs uv on PATH (pip install uv)"; exit 1; }
	$(UV) pip compile requirements/book.in --generate-hashes \
	  --python-version $(LOCK_PYTHON) --python-platform $(LOCK_PLATFORM) \
	  --find-links $(TORCH_FIND_LINKS) --no-emit-package dlbook \
	  --no-emit-find-links --no-emit-index-url --custom-compile-command "make lock" \
	  $(LOCK_ARGS) -o $(LOCK)
	$(LOCKFILE) constraints

PORT ?= 8000
serve: ## serve the built site on http://127.0.0.1:$(PORT) (PORT=8001 make serve for another port)
	@test -f $(BUILD)/html/index.html || $(MAKE) book
	@$(PY) -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); r=s.connect_ex(('127.0.0.1', $(PORT))); s.close(); sys.exit(0 if r else 'port $(PORT) is busy: run make serve PORT=<another port>')"
	@echo "Serving the book on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory $(BUILD)/html

wheel: $(STAMP)  ## build the dlbook wheel into dist/
	$(PY) -m pip wheel --no-deps --no-build-isolation -w dist .

clean-cache:  ## forget executed outputs (chapters re-execute on the next build)
	rm -rf $(BUILD)/.jupyter_cache $(BUILD)/.doctrees $(BUILD)/.dlbook-fingerprint

clean:  ## remove the built site, caches and the virtual environment
	rm -rf $(BUILD) $(VENV) dist build *.egg-info .pytest_cache .hypothesis tests/site/node_modules
