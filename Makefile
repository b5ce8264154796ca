# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
AGENT  := $(VENV)/bin/agent
DEMO_QUESTION ?= Who backs the GNA?

.PHONY: demo test record eval bench schemas clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The local extra compiles llama.cpp the first time (~7 min); pip's wheel cache makes later installs fast.
$(VENV)/.local-installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[local,test]"
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test]"
	touch $@

demo: $(VENV)/.local-installed
	$(AGENT) model install
	$(AGENT) ingest examples/libya
	$(VENV)/bin/ask "$(DEMO_QUESTION)"

test: $(VENV)/.test-installed
	$(PY) -m pytest

# Re-record every cassette against the embedded local model (needs the local extra).
record: $(VENV)/.local-installed
	$(AGENT) model install
	RECORD_MODEL_URL=$(RECORD_MODEL_URL) $(PY) -m pytest --record-mode=rewrite --timeout=0 -k "$(RECORD)"

eval: $(VENV)/.local-installed
	$(AGENT) extract examples/libya --out out.jsonl
	$(AGENT) eval --gold ../shared/eval/dev.json --predictions out.jsonl

bench: $(VENV)/.local-installed
	$(PY) -m agent.bench

schemas: $(VENV)/.test-installed
	$(AGENT) schemas --write schemas

clean:
	rm -rf index/* $(VENV)/.local-installed $(VENV)/.test-installed
