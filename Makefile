# Two commands matter: `make run` and `make test`. Both create the virtual
# environment on first use (Python 3.12, from .python-version via pyenv, or
# python3.12 on PATH) and install the project into it.
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The headline comparison: no agreement vs the gated roadmap and alternatives.
RUN_ARGS ?= -m scenario=baseline,roadmap,roadmap_scheduled,security_only,all_at_once \
	replications=40 hydra.sweep.dir=outputs/headline

.PHONY: run test lint bench explore screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,joblib,ray,optuna,explore,policy,calibrate,viz,docs]"
	touch $(STAMP)

# Browser tests drive Debian's Chromium through its ChromeDriver, installed
# here where missing (as root, or through sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM := /usr/bin/chromium /usr/bin/chromedriver
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
		chromium chromium-driver

run: $(STAMP)
	$(BIN)/python -m sim $(RUN_ARGS)

test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff format --check sim tests experiments
	$(BIN)/ruff check sim tests experiments
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=30

lint: $(STAMP)
	$(BIN)/ruff format sim tests experiments
	$(BIN)/ruff check --fix sim tests experiments

# The README's screenshots of a sweep's report and of the explorer, taken anew by their
# page tests (make test keeps its screenshots in its temporary directories).
screenshots: $(STAMP) $(CHROMIUM)
	SIM_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_report.py tests/test_wargame_page.py \
		tests/test_explorer.py -k "renders_in_chromium or played_branched or plays_steps"

# The interactive explorer (Mesa's SolaraViz) on http://localhost:8765.
explore: $(STAMP)
	$(BIN)/python -m sim.explorer --port 8765

# Row 9 counts instructions with valgrind's callgrind, installed here where missing.
/usr/bin/valgrind:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends valgrind

bench: $(STAMP) /usr/bin/valgrind
	$(BIN)/python experiments/benchmark.py

clean:
	rm -rf $(VENV) outputs multirun
