"""What `shopscribe eval descriptions` reports about the published descriptions.

From the eval items (the facts) and the results a consumer would keep, per run:

- methods: generated / generated_pruned / fallback shares, and the fallback reason codes;
- dropped sentences and their reason codes (what the claim checker removed from drafts);
- unsupported claims the checker still finds in what was published as generated (an audit:
  the worker publishes nothing it flags, so this stays 0 unless the checker changed);
- title echoes (a "description" that is mostly the title) in any published text;
- attribute coverage: the share of a product's attributes whose value the text mentions;
- a side-by-side sample (facts | published text | method) as Markdown.

`run_in_process` runs the items through the worker's own handler (same prompt, checks and
fallback as the worker, without Kafka): the quick loop for comparing prompts or decoding
settings side by side; the pipeline run (`evaluation.run_descriptions_eval`) is the one
whose figures are reported.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from typing import Any

from foundation.claims import Facts, check_description
from foundation.settings import Settings

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def facts_of(item: dict[str, Any]) -> Facts:
    return Facts.of(title=item.get("title") or "", brand=item.get("brand"), category=item.get("category"),
                             attributes=item.get("attributes") or {})


def attribute_coverage(item: dict[str, Any], text: str) -> float | None:
    """Share of the item's attributes with at least one value whose words all appear in `text`."""
    attributes = item.get("attributes") or {}
    if not attributes:
        return None
    words = set(_TOKEN.findall(text.casefold()))
    covered = 0
    for value in attributes.values():
        values = value if isinstance(value, list) else [value]
        if any(set(_TOKEN.findall(str(v).casefold())) <= words for v in values if _TOKEN.search(str(v))):
            covered += 1
    return covered / len(attributes)


def is_title_echo(item: dict[str, Any], text: str) -> bool:
    """Mostly the title (or a facts dump): at least 80% of the text's words are title words,
    or it carries a facts-block label such as "Title:"."""
    if re.search(r"(?im)^\s*(?:title|brand|category|premise|sender)\s*:", text):
        return True
    words = _TOKEN.findall(text.casefold())
    title = set(_TOKEN.findall((item.get("title") or "").casefold()))
    return bool(words) and sum(w in title for w in words) / len(words) >= 0.8


def report(items: list[dict[str, Any]], results: dict[str, dict[str, Any]], *, sample: int = 12) -> dict[str, Any]:
    methods: Counter[str] = Counter()
    fallback_reasons: Counter[str] = Counter()
    dropped_reasons: Counter[str] = Counter()
    coverage: list[float] = []
    audit: list[dict[str, Any]] = []
    echoes = dropped = 0
    for item in items:
        result = results.get(item["id"])
        if result is None:
            methods["missing"] += 1
            continue
        method, text = result["method"], result.get("description") or ""
        methods[method] += 1
        if method == "fallback":
            fallback_reasons.update(code.strip() for code in (result.get("fallback_reason") or "none").split(";"))
        for sentence in result.get("dropped_sentences") or []:
            dropped += 1
            dropped_reasons.update(reason.split(":")[0] for reason in sentence["reasons"])
        echoes += is_title_echo(item, text)
        if (share := attribute_coverage(item, text)) is not None:
            coverage.append(share)
        if method != "fallback":
            verdict = check_description(text, facts_of(item))
            if verdict.dropped or verdict.echo:
                audit.append({"id": item["id"], "reasons": [r for d in verdict.dropped for r in d.reasons]
                              + ([verdict.echo_reason or "echo"] if verdict.echo else [])})
    published = sum(n for m, n in methods.items() if m != "missing")
    generated = methods["generated"] + methods["generated_pruned"]
    return {
        "items": len(items), "published": published, "methods": dict(methods),
        "generated_share": round(generated / published, 3) if published else 0.0,
        "fallback_reasons": dict(fallback_reasons.most_common()),
        "dropped_sentences": dropped, "dropped_reasons": dict(dropped_reasons.most_common()),
        "published_generated_with_unsupported_claims": len(audit), "audit": audit,
        "title_echoes": echoes,
        "attribute_coverage": round(statistics.fmean(coverage), 3) if coverage else None,
        "sample_markdown": sample_table(items, results, sample),
    }


def sample_table(items: list[dict[str, Any]], results: dict[str, dict[str, Any]], limit: int) -> str:
    rows = ["| facts | published text | method |", "|---|---|---|"]
    for item in items[:limit]:
        result = results.get(item["id"]) or {}
        facts = "; ".join([item.get("title") or "", *(f"{k}: {v if isinstance(v, str) else ', '.join(v)}"
                                                     for k, v in (item.get("attributes") or {}).items())])
        text = (result.get("description") or "(missing)").replace("|", "/")
        rows.append(f"| {facts.replace('|', '/')} | {text} | {result.get('method', 'missing')} |")
    return "\n".join(rows)


def run_in_process(settings: Settings, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each item through the worker's handler and backend (no broker): results by id."""
    from foundation.metrics import Metrics
    from schemas import DescriptionRequest, ProductEvent
    from schemas.hashing import input_hash
    from shopscribe.evaluation import description_events
    from workers.backends import load_backend
    from workers.handler import HandlerConfig, RequestHandler

    requests = []
    for line in description_events(items):
        product = ProductEvent.model_validate_json(line)
        digest = input_hash(product, settings.worker.prompt_version)
        requests.append(DescriptionRequest(request_id=f"eval-{product.sku}", sku=product.sku, input_hash=digest,
                                           prompt_version=settings.worker.prompt_version,
                                           source_event_id=product.event_id, source_version=product.source_version,
                                           product=product))
    backend = load_backend(settings.worker)
    try:
        handler = RequestHandler(backend, Metrics(), HandlerConfig.from_settings(settings.worker))
        results = handler.handle(requests)
    finally:
        backend.close()
    return {r.sku: r.model_dump(mode="json") for r in results}
