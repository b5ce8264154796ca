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
	@# Extraction first: stance and date questions are answered from the records it stores.
	$(AGENT) extract examples/libya --out out.jsonl
	$(AGENT) stances
	$(VENV)/bin/ask "$(DEMO_QUESTION)"
	$(VENV)/bin/ask "When was the ceasefire supposed to start?"
	@# A free-text question: the model picks a passage and copies the answer, code verifies it.
	$(VENV)/bin/ask "Where did Erdogan and Putin meet?"

# Two workers, one test file each at a time: a file's tests share their fixtures and fakes.
test: $(VENV)/.test-installed
	$(PY) -m pytest -n 2 --dist loadfile

# Re-record every cassette against the embedded local model (needs the local extra).
record: $(VENV)/.local-installed
	$(AGENT) model install
	RECORD_MODEL_URL=$(RECORD_MODEL_URL) $(PY) -m pytest -m vcr --record-mode=rewrite --timeout=0

GOLD ?= examples/eval/dev.json
eval: $(VENV)/.local-installed
	$(AGENT) ingest examples/libya
	$(AGENT) eval --gold $(GOLD)

bench: $(VENV)/.local-installed
	$(AGENT) bench --model

schemas: $(VENV)/.test-installed
	$(AGENT) schemas --write schemas

clean:
	rm -rf index/* $(VENV)/.local-installed $(VENV)/.test-installed
