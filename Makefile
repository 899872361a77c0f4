# Targets that CI calls unchanged. Everything installs into .venv; torch first (CPU build).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs
SEEDS := seeds
CHROMIUM := /usr/bin/chromium
# Errors only: pip's warnings here are about the machine's own pip configuration (one line
# per package when a configured index folder is missing: 111 lines on a fresh install).
PIP := $(BIN)/pip install --quiet --quiet

.PHONY: install index run serve test test-fast lint typecheck browser docs screenshots clean

$(STAMP): pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Exit code 3 means "indexed, some files skipped": the skipped ones are listed, go on.
index: install
	$(BIN)/qa index build $(SEEDS) || [ $$? -eq 3 ]

run: index
	$(BIN)/qa serve

serve: install
	$(BIN)/qa serve

browser:
	test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# pytest exits 5 when it collects no test: that is a failure here, never a silent pass.
test: install browser lint typecheck
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Everything but the tests that start processes, servers or a browser: about a minute.
test-fast: install lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist worksteal -m "not slow and not browser"

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(PIP) -e '.[test,docs]'
	touch $(DOCS_STAMP)

# The documentation site into site/: --strict fails on any warning (a broken link or anchor,
# a page missing from the nav, a missing snippet), and docs/hooks.py fails the build when a
# page would load anything from the network (no web fonts, no CDN: it works offline).
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The screenshots of docs/figures/ (chat.png, admin.png), taken in Chromium from a server
# over a copy of the seed index; run by hand when the pages change, and commit the PNGs.
screenshots: install browser
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) data site
