# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
AGENT  := $(VENV)/bin/agent
DEMO_QUESTION ?= Who backs the GNA?

.PHONY: demo test record eval bench schemas clean rebuild-llama

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# The embedded model's llama.cpp, built for any x86-64 CPU of the last decade rather than for this one:
# `-march=native` turns on AMX kernels on recent Xeons, and they fault on some hosts under a VM
# (general protection fault at `ldtilecfg`). AVX2/FMA/F16C is the baseline; AVX-512 only where this
# CPU has it; AMX never. The wheel is built once per instruction set into a folder named by its flags
# (pip's own cache could hand back an earlier native build silently) and installed from there only.
LLAMA_VERSION := 0.3.36
CPU_FLAGS     := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
ifeq ($(shell uname -m),x86_64)
LLAMA_CMAKE   := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
                 -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_BACKEND_DL=OFF \
                 $(if $(findstring avx512f,$(CPU_FLAGS)),-DGGML_AVX512=ON,-DGGML_AVX512=OFF) \
                 $(if $(findstring avx512_vnni,$(CPU_FLAGS)),-DGGML_AVX512_VNNI=ON,-DGGML_AVX512_VNNI=OFF)
else
LLAMA_CMAKE   := -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=OFF
endif
LLAMA_KEY     := $(shell echo '$(LLAMA_VERSION) $(strip $(LLAMA_CMAKE))' | sha256sum | cut -c1-12)
LLAMA_WHEELS  ?= $(HOME)/.cache/dossier/llama-wheels/$(LLAMA_KEY)

$(LLAMA_WHEELS)/.built:
	@echo "building llama-cpp-python $(LLAMA_VERSION) for a portable CPU target (once per machine, ~7 min): $(strip $(LLAMA_CMAKE))"
	mkdir -p $(LLAMA_WHEELS)
	CMAKE_ARGS="$(strip $(LLAMA_CMAKE))" $(PYTHON) -m pip wheel --quiet --no-cache-dir --no-deps \
	    --no-binary llama-cpp-python "llama-cpp-python==$(LLAMA_VERSION)" -w $(LLAMA_WHEELS)
	touch $@

$(VENV)/.local-installed: pyproject.toml $(LLAMA_WHEELS)/.built | $(PY)
	$(PIP) install --quiet --force-reinstall --no-deps --only-binary llama-cpp-python \
	    --find-links $(LLAMA_WHEELS) "llama-cpp-python==$(LLAMA_VERSION)"
	$(PIP) install --quiet --only-binary llama-cpp-python --find-links $(LLAMA_WHEELS) -e ".[local,test]"
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
# The later rounds of the race tests (marked `stress`) run only where CI is set, as in .ci/run.
test: $(VENV)/.test-installed
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder $(if $(CI),,-m "not stress")

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

# Force a fresh build of the embedded model's library (e.g. after moving to another CPU).
rebuild-llama:
	rm -rf $(LLAMA_WHEELS) $(VENV)/.local-installed
