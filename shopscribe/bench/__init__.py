"""`shopscribe bench`: the pipeline measured against the backend it drives.

Every scenario runs on an isolated embedded stack (fresh broker port, fresh groups), prints
one JSON document on stdout, and with `--report` merges it into docs/img/results.json and
rewrites docs/benchmarks.md and its plots. Absolute numbers on a shared machine are noise:
read the ratios, each measured side by side in one run, and the load average next to them.
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any, Optional

import typer

bench_app = typer.Typer(help="Benchmarks (JSON out): overhead, batching, latency, burst, replay, all.",
                        no_args_is_help=True)

SCENARIOS = ("overhead", "batching", "latency", "burst", "replay")

BackendOpt = Annotated[Optional[str], typer.Option("--backend", help="transformers (default) | vllm")]
SizeOpt = Annotated[Optional[int], typer.Option("--size", help="Events (overhead, replay), products (batching, latency), reviews (burst)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One compact JSON line instead of indented JSON")]
ReportOpt = Annotated[bool, typer.Option("--report", help="Also write docs/benchmarks.md and docs/img/*.png")]


ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Model dir or id; default: bundled SmolLM2-135M-Instruct")]


def run_scenario(name: str, backend: str | None = None, size: int | None = None, model: str | None = None,
                 **extra: Any) -> dict[str, Any]:
    if model:  # settings (and the stack's child processes) read it from the environment
        os.environ["SHOPSCRIBE_WORKER__MODEL"] = model
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from foundation import logging as slog

    slog.configure(os.environ.get("SHOPSCRIBE_LOG_LEVEL", "WARNING"))
    kwargs: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if size is not None:
        kwargs["size"] = size
    if name != "overhead":
        kwargs["backend"] = backend or "transformers"
    module = __import__(f"shopscribe.bench.{name}", fromlist=["run"])
    return module.run(**kwargs)


def _emit(result: Any, as_json: bool, report: bool) -> None:
    typer.echo(json.dumps(result, separators=(",", ":")) if as_json else json.dumps(result, indent=2))
    if report:
        from shopscribe.bench.report import record_and_write

        for item in result if isinstance(result, list) else [result]:
            record_and_write(item)


@bench_app.command()
def overhead(size: SizeOpt = None, json_out: JsonOpt = False, report: ReportOpt = False,
             backend: BackendOpt = None) -> None:
    """Zero-cost echo backend: events/s input -> output topic, CPU ms per event (default 20,000)."""
    _emit(run_scenario("overhead", size=size), json_out, report)


@bench_app.command()
def batching(backend: BackendOpt = None, model: ModelOpt = None, size: SizeOpt = None, json_out: JsonOpt = False, report: ReportOpt = False,
             naive_size: Annotated[Optional[int], typer.Option(help="Products for the one-at-a-time run (default 16)")] = None,
             bare: Annotated[bool, typer.Option("--bare", help="Also time backend.generate alone on one chunk")] = False,
             repeats: Annotated[Optional[int], typer.Option(help="(a)/(b) pairs, run interleaved; b/a is the median "
                                                            "of the pairs' ratios (default 3)")] = None) -> None:
    """Real model: in-process batched vs pipeline vs one at a time, output tokens/s (default 64)."""
    _emit(run_scenario("batching", backend, size, model, naive_size=naive_size, bare=bare, repeats=repeats),
          json_out, report)


@bench_app.command()
def latency(backend: BackendOpt = None, model: ModelOpt = None, size: SizeOpt = None, json_out: JsonOpt = False, report: ReportOpt = False,
            interval: Annotated[Optional[float], typer.Option(help="Minimum seconds between products; each is sent once the "
                                                             "previous description is out (default 1)")] = None) -> None:
    """Low load: p50/p95/p99 event in -> description out vs single-request latency (default 20)."""
    _emit(run_scenario("latency", backend, size, model, interval_s=interval), json_out, report)


@bench_app.command()
def burst(backend: BackendOpt = None, model: ModelOpt = None, size: SizeOpt = None, json_out: JsonOpt = False, report: ReportOpt = False,
          skus: Annotated[Optional[int], typer.Option(help="SKUs the reviews spread over (default 20)")] = None,
          duration: Annotated[Optional[float], typer.Option(help="Seconds the burst lasts (default 30)")] = None) -> None:
    """Reviews burst: LLM calls per review, p95 freshness (default 1,000 reviews / 20 SKUs / 30 s)."""
    _emit(run_scenario("burst", backend, size, model, skus=skus, duration_s=duration), json_out, report)


@bench_app.command()
def replay(backend: BackendOpt = None, model: ModelOpt = None, size: SizeOpt = None, json_out: JsonOpt = False, report: ReportOpt = False) -> None:
    """Replay throughput over N product events vs the in-process backend (default 500)."""
    _emit(run_scenario("replay", backend, size, model), json_out, report)


@bench_app.command("all")
def all_(backend: BackendOpt = None, model: ModelOpt = None, size: SizeOpt = None, json_out: JsonOpt = False, report: ReportOpt = False) -> None:
    """Every scenario in turn (--size applies to each; leave it out for the full sizes)."""
    results = []
    for name in SCENARIOS:
        try:
            results.append(run_scenario(name, backend, size, model))
        except Exception as exc:  # noqa: BLE001 - one failed scenario must not hide the others
            results.append({"scenario": name, "backend": backend or "transformers", "error": f"{type(exc).__name__}: {exc}"})
    _emit(results, json_out, report)


@bench_app.command()
def soak(minutes: Annotated[float, typer.Option(help="How long the rate is sustained")] = 10.0,
         rate: Annotated[float, typer.Option(help="Product events per second")] = 200.0,
         sample: Annotated[float, typer.Option(help="Seconds between samples")] = 5.0,
         json_out: JsonOpt = False) -> None:
    """Echo backend, sustained rate: lag, throughput, RSS over time -> docs/img/soak.{json,png} (not in `all`)."""
    _emit(run_scenario("soak", "echo", minutes=minutes, rate=rate, sample_s=sample), json_out, False)


@bench_app.command("report")
def report_only() -> None:
    """Rewrite docs/benchmarks.md and the plots from docs/img/results.json."""
    from shopscribe.bench.report import write_report

    typer.echo(str(write_report()))
