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
# The PDF edition: built by xelatex from Debian's TeX Live, which `make latex-tools`
# installs when it is missing (with sudo when not root).
PDF_NAME := introduction-to-deep-learning.pdf
PDF_FLAGS ?= -W -n --keep-going
LATEX_PACKAGES := latexmk texlive-xetex texlive-fonts-recommended texlive-plain-generic \
	fonts-freefont-otf fonts-lmodern fonts-dejavu-core poppler-utils
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# axe-core for the accessibility tests, at the version in tests/site/package.json.
AXE := tests/site/node_modules/axe-core/axe.min.js

.PHONY: help install book pdf latex-tools axe test test-site test-all lint typecheck serve clean clean-cache wheel benchmark

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

book: $(STAMP)  ## build the HTML site (re-executes chapters when dlbook or the pins change)
	$(PY) tools/cache_guard.py --build-dir $(BUILD)
	$(BIN)/jupyter-book build . --path-output $(BOOK_OUT) --toc $(TOC) $(JB_FLAGS)
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

test: $(STAMP)  ## unit tests of dlbook (CUDA tests skip without a GPU)
	$(PY) -m pytest tests dlbook -m "not site" -q

test-site: $(STAMP) $(AXE)  ## checks of the built site in _build/html (run after make book)
	SITE_DIR=$(BUILD)/html TOC=$(TOC) $(PY) -m pytest tests/site -m site -q

lint: $(STAMP)  ## ruff lint and format check
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) ruff mypy
	$(BIN)/ruff check dlbook tests tools
	$(BIN)/ruff format --check dlbook tests tools

typecheck: $(STAMP)  ## mypy on dlbook
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) mypy
	$(BIN)/mypy

serve: ## serve the built site on http://localhost:8000
	@test -f $(BUILD)/html/index.html || $(MAKE) book
	$(PY) -m http.server 8000 --directory $(BUILD)/html

wheel: $(STAMP)  ## build the dlbook wheel into dist/
	$(PY) -m pip wheel --no-deps -w dist .

clean-cache:  ## forget executed outputs (chapters re-execute on the next build)
	rm -rf $(BUILD)/.jupyter_cache $(BUILD)/.doctrees $(BUILD)/.dlbook-fingerprint

clean:  ## remove the built site, caches and the virtual environment
	rm -rf $(BUILD) $(VENV) dist build *.egg-info .pytest_cache .hypothesis tests/site/node_modules
