"""Turns generation requests into results: prompt, generate, validate, regenerate once,
fall back. Knows nothing about Kafka; knows the backend only through its protocol."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from foundation.logging import get_logger
from foundation.metrics import Metrics
from foundation.settings import WorkerSettings
from foundation.textsafety import scan_published
from schemas import (
    DescriptionRequest,
    DescriptionResult,
    GenerationRequest,
    ProductEvent,
    ReviewSummaryResult,
    SummaryRequest,
)
from schemas.results import DroppedSentence
from workers import descriptions, summaries
from workers.backend import ChatPrompt, Completion, GenerationBackend, GenerationFailed
from workers.guardrails import clean_output, find_violations

log = get_logger(__name__)

Result = DescriptionResult | ReviewSummaryResult

# A regeneration samples instead of decoding greedily, so it can leave the failure mode
# the greedy answer fell into.
REGENERATE_TEMPERATURE = 0.7


@dataclass(frozen=True)
class HandlerConfig:
    max_new_tokens: int = 120
    default_max_chars: int = 600
    backend_attempts: int = 2
    backoff_s: float = 0.5
    seed: int = 0
    summary_gate_margin: float = 0.0
    copy_bias: float = 0.0
    fact_numbers_only: bool = True
    fact_words_only: bool = True

    @classmethod
    def from_settings(cls, worker: WorkerSettings) -> HandlerConfig:
        return cls(max_new_tokens=worker.max_new_tokens, default_max_chars=worker.default_max_chars, seed=worker.seed,
                   summary_gate_margin=worker.summary_gate_margin, copy_bias=worker.copy_bias,
                   fact_numbers_only=worker.fact_numbers_only, fact_words_only=worker.fact_words_only)


@dataclass
class _Draft:
    """One request on its way to a result."""

    request: GenerationRequest
    prompt: ChatPrompt
    completion: Completion | None = None
    text: str | None = None
    violations: list[str] | None = None
    dropped: list[DroppedSentence] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class RequestHandler:
    def __init__(self, backend: GenerationBackend, metrics: Metrics, config: HandlerConfig | None = None) -> None:
        self.backend = backend
        self.metrics = metrics
        self.config = config or HandlerConfig()

    def handle(self, requests: list[GenerationRequest]) -> list[Result]:
        started = time.monotonic()
        drafts = [_Draft(r, self._prompt(r)) for r in requests]
        backend_error = self._generate_and_check(drafts, first=True)
        retry = [d for d in drafts if d.violations]
        if retry and backend_error is None:
            log.info("regenerating", count=len(retry), reasons=sorted({v for d in retry for v in d.violations or []}))
            backend_error = self._generate_and_check(retry, first=False)
        latency_ms = (time.monotonic() - started) * 1000
        return [self._result(d, latency_ms, backend_error) for d in drafts]

    def _prompt(self, request: GenerationRequest) -> ChatPrompt:
        if isinstance(request, DescriptionRequest):
            return descriptions.build_prompt(request.product, self.config.max_new_tokens, self.config.default_max_chars,
                                             copy_bias=self.config.copy_bias,
                                             fact_numbers_only=self.config.fact_numbers_only,
                                             fact_words_only=self.config.fact_words_only)
        return summaries.build_prompt(request)

    def _generate_and_check(self, drafts: list[_Draft], first: bool) -> str | None:
        """Generate for `drafts` in one backend call; return an error reason if the backend failed."""
        prompts = [
            d.prompt if first else _resampled(d.prompt, self.config.seed + i + 1) for i, d in enumerate(drafts)
        ]
        try:
            completions = self._call_backend(prompts)
        except GenerationFailed as exc:
            self.metrics.generation_errors.labels(backend=self.backend.name, error=type(exc).__name__).inc()
            log.error("backend_failed", error=str(exc), requests=[d.request.request_id for d in drafts])
            return f"backend_error: {exc}"[:200]
        for draft, completion in zip(drafts, completions, strict=True):
            draft.completion = completion
            draft.prompt_tokens += completion.prompt_tokens
            draft.completion_tokens += completion.completion_tokens
            self.metrics.tokens.labels(direction="prompt").inc(completion.prompt_tokens)
            self.metrics.tokens.labels(direction="completion").inc(completion.completion_tokens)
            if isinstance(draft.request, DescriptionRequest):
                max_chars = draft.request.product.max_chars or self.config.default_max_chars
                self._check_description(draft, completion.text, max_chars)
            else:
                # Summaries are judged against the reviews by their own quality gate.
                draft.text = completion.text
                draft.violations = []
        return None

    def _check_description(self, draft: _Draft, raw: str, max_chars: int) -> None:
        """Form first (links, numbers, markup, loops...), then claims: a sentence stating what
        the facts do not support is removed; a draft with nothing left is a violation."""
        product = draft.request.product  # type: ignore[union-attr]
        draft.text = clean_output(raw, max_chars)
        draft.violations = find_violations(draft.text, source_text=descriptions.source_text(product), max_chars=max_chars)
        draft.dropped = []
        # A loop alone leaves the sentences before it to the claim check (which drops the rest).
        if all(v.startswith("loop:") for v in draft.violations):
            try:
                self._check_claims(draft, product, max_chars)
            except Exception as exc:  # noqa: BLE001 - a checker bug must cost one draft, not the worker
                # Model text is arbitrary; a parse the checker was never shown must not crash
                # the batch (and, redelivered, every restart after it). Unchecked is unpublished.
                log.error("claim_check_failed", sku=product.sku, request_id=draft.request.request_id,
                          error=f"{type(exc).__name__}: {exc}", exc_info=True)
                draft.text, draft.dropped = None, []
                draft.violations = [f"checker_error: {type(exc).__name__}"]

    def _check_claims(self, draft: _Draft, product: ProductEvent, max_chars: int) -> None:
        """Sentence by sentence against the facts: what is left is published, or nothing is."""
        assert draft.text is not None
        grounded = descriptions.ground(draft.text, product, max_chars)
        for sentence in grounded.dropped:
            for reason in sentence.reasons:
                self.metrics.sentences_dropped.labels(reason=reason).inc()
        if grounded.text is None:
            draft.violations = grounded.violations or draft.violations
            log.info("description_unsupported", sku=product.sku, request_id=draft.request.request_id,
                     reasons=grounded.violations)
            return
        draft.text, draft.dropped, draft.violations = grounded.text, grounded.dropped, []

    def _safe_summary(self, request: SummaryRequest, fields: dict) -> dict:
        """What the published-text scan lets through of a summary: a generated text it flags
        gives way to the fallback; a fallback sentence or a pro/con phrase it flags is left
        out; the reason is codes only."""
        scan = partial(scan_published, instructions=summaries.SYSTEM_PROMPT,
                       sources=[r.text for r in request.reviews if r.text])
        if fields["method"] != "fallback" and (codes := self._blocked("summary", fields["summary"], scan)):
            fields = {**summaries.summarise(request, None), "fallback_reason": f"unsafe_output:{codes[0]}"}
        kept = [s for s in summaries.sentences(fields["summary"]) if not self._blocked("summary", s, scan)]
        text = " ".join(kept) or summaries.rating_sentence(request.stats) or summaries.NO_REVIEWS_TEXT
        reason = fields.get("fallback_reason")
        return {**fields, "summary": text,
                "pros": [p for p in fields["pros"] if not self._blocked("summary", p.phrase, scan)],
                "cons": [c for c in fields["cons"] if not self._blocked("summary", c.phrase, scan)],
                "fallback_reason": reason_codes(reason.split(";")) if reason else None}

    def _blocked(self, kind: str, text: str, scan: Callable[[str], list[str]]) -> list[str]:
        """The published-text scan's codes for `text` (empty: publishable), counted."""
        codes = scan(text)
        for code in codes:
            self.metrics.outputs_blocked.labels(kind=kind, reason=code.split(":", 1)[0]).inc()
        return codes

    def _call_backend(self, prompts: list[ChatPrompt]) -> list[Completion]:
        started = time.monotonic()
        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(GenerationFailed),
                stop=stop_after_attempt(self.config.backend_attempts),
                wait=wait_exponential(multiplier=self.config.backoff_s, max=10),
                reraise=True,
            ):
                with attempt:
                    completions = self.backend.generate(prompts)
        except RetryError as exc:  # pragma: no cover - reraise=True re-raises the cause
            raise GenerationFailed(str(exc)) from exc
        seconds = time.monotonic() - started
        self.metrics.generation_latency.labels(backend=self.backend.name).observe(seconds)
        log.info("backend_call", backend=self.backend.name, prompts=len(prompts), seconds=round(seconds, 3),
                 prompt_tokens=sum(c.prompt_tokens for c in completions),
                 completion_tokens=sum(c.completion_tokens for c in completions),
                 stopped_early=sum(c.stopped_early for c in completions))
        if len(completions) != len(prompts):
            raise GenerationFailed(f"backend returned {len(completions)} completions for {len(prompts)} prompts")
        return completions

    def _result(self, draft: _Draft, latency_ms: float, backend_error: str | None) -> Result:
        request = draft.request
        common = dict(
            sku=request.sku, request_id=request.request_id, input_hash=request.input_hash,
            prompt_version=request.prompt_version, model=self.backend.model, backend=self.backend.name,
            source_event_id=request.source_event_id, source_version=request.source_version,
            prompt_tokens=draft.prompt_tokens, completion_tokens=draft.completion_tokens,
            latency_ms=round(latency_ms, 1), generated_at_ms=int(time.time() * 1000),
        )
        if isinstance(request, SummaryRequest):
            fields = summaries.summarise(request, None if backend_error else draft.text,
                                         margin=self.config.summary_gate_margin)
            if backend_error and fields["method"] == "fallback" and fields["fallback_reason"] == "no_completion":
                fields["fallback_reason"] = backend_error  # say why there was no completion
            fields = self._safe_summary(request, fields)
            result = ReviewSummaryResult(**common, **fields, stats=request.stats,
                                         coverage=len(request.covered_review_ids))
        else:
            result = self._description(request, draft, backend_error, common)
        self.metrics.results.labels(kind=request.kind, method=result.method).inc()
        if result.method == "fallback":
            self.metrics.fallbacks.labels(kind=request.kind, reason=_reason_label(result.fallback_reason)).inc()
        return result

    def _description(self, request: DescriptionRequest, draft: _Draft, backend_error: str | None,
                     common: dict) -> DescriptionResult:
        max_chars = request.product.max_chars or self.config.default_max_chars
        scan = descriptions.publish_scan(request.product)
        if backend_error is None and draft.text and not draft.violations:
            blocked = self._blocked("description", draft.text, scan)
            if not blocked:
                method = "generated_pruned" if draft.dropped else "generated"
                return DescriptionResult(**common, description=draft.text, method=method,
                                         dropped_sentences=draft.dropped)
            draft.violations = [f"unsafe_output:{code}" for code in blocked]
        reasons = [backend_error] if backend_error else (draft.violations or ["empty"])
        log.info("description_fallback", sku=request.sku, request_id=request.request_id, reasons=reasons)
        text = descriptions.fallback_description(request.product, max_chars)
        if self._blocked("description", text, scan):
            text = descriptions.SAFE_FALLBACK  # the facts themselves carry something unpublishable
        return DescriptionResult(
            **common, description=text,
            method="fallback", fallback_reason=reason_codes(reasons),
        )


def _resampled(prompt: ChatPrompt, seed: int) -> ChatPrompt:
    return replace(prompt, temperature=REGENERATE_TEMPERATURE, seed=seed)


def reason_codes(reasons: list[str]) -> str:
    """What a published `fallback_reason` says: the reasons' codes ("number; unsupported"),
    never their details, which quote the model's (or a reviewer's) text."""
    return "; ".join(dict.fromkeys(_reason_label(r) for r in reasons))


def _reason_label(reason: str | None) -> str:
    """A low-cardinality label for the fallback metric: the first reason's class."""
    if not reason:
        return "unknown"
    return reason.split(":", 1)[0].split(" ", 1)[0].strip(";")[:40]
