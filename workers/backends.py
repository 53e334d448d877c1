"""Choose and load the configured backend. Heavy imports happen only for the one chosen."""

from __future__ import annotations

from foundation.settings import WorkerSettings
from workers.backend import GenerationBackend


def load_backend(worker: WorkerSettings) -> GenerationBackend:
    if worker.backend == "echo":
        from workers.echo_backend import EchoBackend

        return EchoBackend(delay_s=worker.echo_delay_s, fail=worker.echo_fail)
    from workers.model_cache import resolve_model_dir

    model_dir = resolve_model_dir(worker.model, worker.model_cache_dir, worker.dtype)
    if worker.backend == "vllm":
        from workers.vllm_backend import VLLMBackend

        return VLLMBackend(str(model_dir), dtype=worker.dtype, max_num_seqs=worker.max_batch_prompts,
                           work_dir=worker.model_cache_dir)
    from workers.transformers_backend import TransformersBackend

    return TransformersBackend(model_dir, dtype=worker.dtype)
