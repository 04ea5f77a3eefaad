# Two commands set everything up on a fresh machine:
#   make demo   -- the main job on the bundled prostate data
#   make test   -- the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The pinned CPU build of torch first, so the permissive torch>=2.1 of the extra
	# is already satisfied and no multi-GB CUDA build is pulled.
	$(BIN)/pip install --quiet torch==2.13.0
	# keras and jax/optax pull neither torch nor tensorflow; jax from PyPI is CPU-only.
	$(BIN)/pip install --quiet -e ".[test,dev,plot,io,dask,torch,keras,jax]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ridgekit demo

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 tests

# Debian's Chromium renders the HTML report in the browser test; where it cannot be
# installed (no root, no package index) that one test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null 2>&1) || \
	  echo "chromium could not be installed: the report's browser check will be skipped"

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
