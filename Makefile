# nettx: two commands do it all on a fresh machine (Python 3.11 and pip).
#   make book   set up .venv, execute the notebooks, build the HTML book
#   make test   set up .venv, run the test suite
#   make lab    JupyterLab on the notebooks, with the project's kernel

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: book test browser lab lint format lock clean

# The browser tests (tests/test_browser.py) drive Debian's Chromium with its chromedriver.
CHROMIUM     := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name nettx --display-name "Python (nettx)" >/dev/null
	@touch $(STAMP)

# The tests, the linter and the benchmark's tools, on top of what the book needs.
$(DEVSTAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $(DEVSTAMP)

book: $(STAMP)
	$(BIN)/python -m nettx_utils run

test: $(DEVSTAMP) browser
	$(BIN)/python -m pytest

# Debian's chromium and chromium-driver for the browser tests, installed with apt-get
# when they are missing and we are root (as in CI); never a browser download of its own.
browser:
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then \
	  echo "browser tests: $$($(CHROMEDRIVER) --version | cut -d' ' -f1-2) and $(CHROMIUM)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium and chromium-driver for the browser tests ..."; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	else \
	  echo "NOTE: $(CHROMIUM) or $(CHROMEDRIVER) is missing, and only root can install them"; \
	  echo "      (apt-get install chromium chromium-driver): tests/test_browser.py will be skipped."; \
	fi

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-lab.txt -c constraints.txt
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEVSTAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin: install the direct pins fresh and freeze the full environment.
lock:
	rm -rf $(VENV).lock && $(PYTHON) -m venv $(VENV).lock
	$(VENV).lock/bin/python -m pip install --quiet -r requirements-dev.txt -r requirements-lab.txt
	{ echo "# Full lock of the nettx environment (pip freeze on Python 3.11, Linux x86_64)."; \
	  echo "# Regenerate with: make lock. Exact pins of direct dependencies are in requirements*.txt."; \
	  $(VENV).lock/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf $(VENV).lock

clean:
	rm -rf book/_build results .pytest_cache
