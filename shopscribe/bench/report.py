"""docs/benchmarks.md and docs/img/*.png from the results of `shopscribe bench ... --report`.

Results accumulate in docs/img/results.json, one entry per (scenario, backend), the latest
run winning, so scenarios can be run one at a time (and the vLLM ones from .venv-vllm).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shopscribe.bench.common import REPO

DOCS = REPO / "docs"
IMG = DOCS / "img"
RESULTS = IMG / "results.json"
PAGE = DOCS / "benchmarks.md"


def load_results(path: Path = RESULTS) -> dict[str, dict[str, Any]]:
    return json.loads(path.read_text()) if path.exists() else {}


def record_and_write(result: dict[str, Any], path: Path = RESULTS) -> Path:
    results = load_results(path)
    results[f"{result['scenario']}/{result.get('backend', 'echo')}"] = result
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return write_report(results)


# -- the table ---------------------------------------------------------------------------
def _host(result: dict) -> dict[str, Any]:
    """What the run recorded about its machine, before it started."""
    return result.get("machine", {}).get("before", {})


def _load(result: dict) -> str:
    return " / ".join(f"{x:.1f}" for x in _host(result).get("load_avg_1_5_15", [])) or "-"


def _cpu(result: dict) -> str:
    """The run's CPU and model dtype; runs from before they were recorded say so."""
    host = _host(result)
    if "isa" not in host:
        return "not recorded"
    return f"{host['isa']}, {host['auto_dtype']}"


def _same_isa(*results: dict) -> bool:
    isas = {_host(r).get("isa") for r in results}
    return None not in isas and len(isas) == 1


def _met(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "-"}[value]


def rows(results: dict[str, dict]) -> list[tuple[str, str, str, str, str, str]]:
    """(scenario, backend, measure, value, target, met) for every recorded result."""
    out = []
    for key in sorted(results):
        r = results[key]
        name, backend = r["scenario"], r.get("backend", "echo")
        if r.get("error"):
            out.append((name, backend, "error", r["error"][:80], "-", "-"))
            continue
        met = r.get("target", {}).get("met")
        if name == "overhead":
            cpu = r["cpu_ms_per_event"]
            out.append((name, backend, f"events/s input->output ({r['events']:,} events)", f"{r['events_per_s']:,.0f}",
                        ">= 1,000", _met(met)))
            out.append((name, backend, "CPU ms/event streams / worker / broker",
                        f"{cpu.get('streams', 0):.3f} / {cpu.get('worker', 0):.3f} / {cpu.get('broker', 0):.3f}", "-", "-"))
        elif name == "batching":
            out.append((name, backend, f"tokens/s (a) in-process / (b) pipeline (medians) / (c) one at a time "
                        f"({r['products']} products, (c) {r['naive_products']})",
                        f"{r['in_process']['tokens_per_s']:.0f} / {r['pipeline']['tokens_per_s']:.0f} / "
                        f"{r['naive']['tokens_per_s']:.0f}", "-", "-"))
            pairs = r["b_over_a_runs"]
            spread = f" (pairs: {', '.join(f'{x:.2f}' for x in pairs if x is not None)})" if len(pairs) > 1 else ""
            out.append((name, backend, f"b/a, median of {len(pairs)} interleaved pair(s)", f"{r['b_over_a']:.2f}{spread}",
                        ">= 0.9",
                        _met(r["b_over_a"] is not None and r["b_over_a"] >= 0.9)))
            out.append((name, backend, "b/c", f"{r['b_over_c']:.1f}", ">= 5",
                        _met(r["b_over_c"] is not None and r["b_over_c"] >= 5)))
            if r.get("a_over_a0") is not None:  # runs from before (a0) existed have none
                checks = r["a_over_a0_runs"]
                out.append((name, backend, "published descriptions/s, claim check / form checks only (a/a0), median "
                            f"of {len(checks)} pair(s)", f"{r['a_over_a0']:.2f}", ">= 0.8", _met(r["a_over_a0"] >= 0.8)))
        elif name == "latency":
            p, s = r["pipeline_s"], r["single_request_s"]
            pace = (f"closed loop, one product every {r['mean_interval_s']:.1f} s on average"
                    if r["mean_interval_s"] is not None else f"closed loop, >= {r['interval_s']:.1f} s apart")
            out.append((name, backend, f"p50/p95/p99 s, {r['products']} products, {pace}",
                        f"{p['p50']:.2f} / {p['p95']:.2f} / {p['p99']:.2f} (backend alone, same products: "
                        f"{s['p50']:.2f} / {s['p95']:.2f} / {s['p99']:.2f})", "-", "-"))
            paired = (f" (median per-product ratio {r['paired_ratio_median']:.2f})"
                      if r["paired_ratio_median"] is not None else "")
            out.append((name, backend, "p50 ratio pipeline/backend", f"{r['p50_ratio']:.2f}{paired}", "<= 1.2",
                        _met(met)))
        elif name == "burst":
            f = r["freshness_s"]
            out.append((name, backend, f"LLM calls/review ({r['reviews']} reviews, {r['skus']} SKUs, {r['duration_s']:.0f} s)",
                        f"{r['llm_calls_per_review']:.3f} ({r['summaries_published']} summaries, "
                        f"{r['generation_batches']} batches)", "<= 0.05", _met(met)))
            out.append((name, backend, "freshness p50 / p95 s (last review in -> summary covering it)",
                        f"{_num(f['p50'])} / {_num(f['p95'])}", "-", "-"))
        elif name == "replay":
            unit, a_key, r_key = ("events/s", "events_per_s", "events_per_s") if backend == "echo" else \
                ("tokens/s", "tokens_per_s", "completion_tokens_per_s")
            out.append((name, backend, f"{unit} replay vs (a) ({r['events']} events)",
                        f"{r['replay'][r_key]:.0f} vs {r['in_process'][a_key]:.0f}", "-", "-"))
            out.append((name, backend, "replay/(a)" + (" (echo: overhead only, no target)" if met is None else ""),
                        f"{r['replay_over_a']:.2f}", ">= 0.9" if met is not None else "-", _met(met)))
    return out


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# -- plots -------------------------------------------------------------------------------
def plots(results: dict[str, dict], img: Path = IMG) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    img.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig: Any, name: str) -> None:
        fig.tight_layout()
        fig.savefig(img / name, dpi=110)
        plt.close(fig)
        written.append(name)

    overhead = results.get("overhead/echo")
    if overhead and not overhead.get("error"):
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
        left.bar(["pipeline (echo)"], [overhead["events_per_s"]], color="#4c72b0")
        left.axhline(1000, color="red", linestyle="--", label="target 1,000/s")
        left.axhline(60, color="grey", linestyle=":", label="one H100, 8B model (~25-60/s)")
        left.set_ylabel("events/s")
        left.set_title(f"Throughput, {overhead['events']:,} events")
        left.legend(fontsize=8)
        cpu = overhead["cpu_ms_per_event"]
        right.bar(list(cpu), list(cpu.values()), color=["#55a868", "#c44e52", "#8172b2"][:len(cpu)])
        right.set_ylabel("CPU ms per event")
        right.set_title("CPU per event, by process")
        save(fig, "overhead.png")

    batching = {k.split("/")[1]: v for k, v in results.items() if k.startswith("batching/") and not v.get("error")}
    if batching:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        labels = ["(a) in-process", "(b) pipeline", "(c) one at a time"]
        width = 0.8 / len(batching)
        for i, (backend, r) in enumerate(sorted(batching.items())):
            values = [r["in_process"]["tokens_per_s"], r["pipeline"]["tokens_per_s"], r["naive"]["tokens_per_s"]]
            ax.bar([x + i * width for x in range(3)], values, width, label=backend)
        ax.set_xticks([x + width * (len(batching) - 1) / 2 for x in range(3)], labels)
        ax.set_ylabel("output tokens/s")
        ax.set_title("Batching efficiency (same products, same machine; (a), (b): medians)")
        ax.legend()
        save(fig, "batching.png")

    latency = {k.split("/")[1]: v for k, v in results.items() if k.startswith("latency/") and not v.get("error")}
    for backend, r in latency.items():
        fig, ax = plt.subplots(figsize=(6, 3.4))
        qs = ["p50", "p95", "p99"]
        ax.bar([x - 0.2 for x in range(3)], [r["single_request_s"][q] for q in qs], 0.4, label="backend alone")
        ax.bar([x + 0.2 for x in range(3)], [r["pipeline_s"][q] for q in qs], 0.4, label="event in -> result out")
        ax.set_xticks(range(3), qs)
        ax.set_ylabel("seconds")
        ax.set_title(f"Latency at low load ({backend}, closed loop, >= {r['interval_s']:.1f} s apart)")
        ax.legend()
        save(fig, f"latency-{backend}.png")

    burst = {k.split("/")[1]: v for k, v in results.items() if k.startswith("burst/") and not v.get("error")}
    for backend, r in burst.items():
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
        left.bar(["LLM calls / review"], [r["llm_calls_per_review"]], color="#4c72b0")
        left.axhline(0.05, color="red", linestyle="--", label="target 0.05")
        left.legend(fontsize=8)
        left.set_title(f"{r['reviews']} reviews, {r['skus']} SKUs, {r['duration_s']:.0f} s")
        f = r["freshness_s"]
        right.bar(["p50", "p95", "max"], [f["p50"] or 0, f["p95"] or 0, f["max"] or 0], color="#55a868")
        right.set_ylabel("seconds")
        right.set_title("Freshness: last review -> summary covering it")
        save(fig, f"burst-{backend}.png")
    return written


# -- the page ----------------------------------------------------------------------------



def write_report(results: dict[str, dict] | None = None, page: Path = PAGE) -> Path:
    results = load_results() if results is None else results
    images = plots(results) if results else []
    lines = ["# Benchmarks", "",
             "`shopscribe bench overhead|batching|latency|burst|replay|all [--backend transformers|vllm] "
             "[--size N] [--json] [--report]` — generated by `--report` from docs/img/results.json; "
             "edit shopscribe/bench/report.py, not this page.", "",
             "| scenario | backend | measure | value | target | met | load avg 1/5/15 (2 cores) | CPU, dtype |",
             "|---|---|---|---|---|---|---|---|"]
    for name, backend, measure, value, target, met in rows(results):
        result = results.get(f"{name}/{backend}", {})
        lines.append(f"| {name} | {backend} | {measure} | {value} | {target} | {met} | {_load(result)} | {_cpu(result)} |")
    lines.append("")
    vllm = results.get("batching/vllm")
    tf = results.get("batching/transformers")
    if vllm and tf and not vllm.get("error") and not tf.get("error"):
        lines += [_vllm_over_transformers(vllm, tf), ""]
    lines += [f"![{img}](img/{img})" for img in images]
    lines += ["", *(_prose(name) for name in ("findings.md", "how-to-read.md", "gpu.md"))]
    page.write_text("\n".join(lines))
    return page


def _vllm_over_transformers(vllm: dict, tf: dict) -> str:
    if not _same_isa(vllm, tf):
        return ("vLLM / transformers: not compared; the two batching runs come from different hosts, or "
                f"hosts not recorded ({_cpu(vllm)} / {_cpu(tf)}).")
    return (f"vLLM / transformers (pipeline tokens/s, batching scenario): "
            f"**{vllm['pipeline']['tokens_per_s'] / tf['pipeline']['tokens_per_s']:.2f}x**; in-process "
            f"{vllm['in_process']['tokens_per_s'] / tf['in_process']['tokens_per_s']:.2f}x "
            "(separate runs: compare with care).")


def _prose(name: str) -> str:
    """A hand-written section of the page (docs/bench/NAME), kept as Markdown beside it."""
    return (DOCS / "bench" / name).read_text()
