# distillgen: set-up, build, tests and golden records.
#   make build    install into .venv (first run) and compile specs/poetry.yaml
#   make test     install into .venv (first run) and run the whole test suite
#   make golden   regenerate generated/ and the error snapshots (review the diff!)
#   make bench    run the benchmarks (bench/run.py) and write BENCHMARKS.md

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Axolotl pins its own torch/transformers/peft/pydantic: it gets its own environment.
AXO_VENV := .venv-axolotl
AXO_STAMP := $(AXO_VENV)/.installed-stamp

.PHONY: setup setup-axolotl build test golden lint bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of torch first, so nothing pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[run,dev]'
	touch $(STAMP)

setup: $(STAMP)

$(AXO_STAMP):
	$(PYTHON) -m venv $(AXO_VENV)
	$(AXO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AXO_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(AXO_VENV)/bin/python -m pip install --quiet axolotl==0.19.0
	touch $(AXO_STAMP)

setup-axolotl: $(AXO_STAMP)

build: setup
	$(VENV)/bin/distillgen build specs/poetry.yaml

# Two workers (pytest-xdist), one per core; a test file's tests stay on one worker, so
# its module fixtures are built once.
# The two environments are built side by side (one pip per core) on a fresh clone.
test:
	$(MAKE) -j2 setup setup-axolotl
	$(PY) -m pytest -n 2 --dist loadfile

golden: setup
	for spec in specs/*.yaml; do $(VENV)/bin/distillgen build $$spec || exit 1; done
	$(VENV)/bin/distillgen build specs/poetry.yaml --backend peft
	$(VENV)/bin/distillgen build specs/poetry.yaml --backend axolotl
	$(VENV)/bin/distillgen build specs/uplifting.yaml --route head
	$(VENV)/bin/distillgen build specs/toxicity.yaml --route head
	$(VENV)/bin/distillgen build specs/gaea_style.yaml --backend axolotl
	$(VENV)/bin/distillgen schema > specs/distillgen.schema.json
	DISTILLGEN_UPDATE_SNAPSHOTS=1 $(PY) -m pytest -q tests/test_bad_specs.py tests/test_hostile.py -k "snapshot or bad_spec"

bench: setup
	$(PY) bench/run.py

lint: setup
	$(VENV)/bin/ruff check compiler tests
	$(VENV)/bin/ruff format --check compiler tests

clean:
	rm -rf $(VENV) $(AXO_VENV) build *.egg-info
