"""`shopscribe bench` at tiny sizes: each scenario runs end to end through the CLI and
prints JSON of the documented shape with sane values. Speed is not asserted here (CI
machines are shared); the full sizes run on demand and land in docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def bench(*args: str, timeout: float = 600) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "shopscribe", "bench", *args, "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, done.stdout[-2000:]  # stdout carries the JSON only
    return json.loads(lines[0])


def assert_machine(result: dict) -> None:
    assert result["machine"]["before"]["cpus"] >= 1
    assert len(result["machine"]["before"]["load_avg_1_5_15"]) == 3
    assert result["machine"]["before"]["isa"] in ("AMX", "AVX-512-BF16", "AVX-512", "AVX2", "other")
    assert result["machine"]["before"]["auto_dtype"] in ("float32", "bfloat16")


def test_overhead_smoke() -> None:
    r = bench("overhead", "--size", "200")
    assert r["scenario"] == "overhead" and r["backend"] == "echo"
    assert r["complete"] and r["results"] == 200 and r["events"] == 200
    assert r["events_per_s"] > 0 and r["seconds"] > 0
    assert set(r["cpu_ms_per_event"]) == {"streams", "worker", "broker"}
    assert all(v >= 0 for v in r["cpu_ms_per_event"].values())
    assert r["cpu_seconds"]["worker"] > 0 and r["cpu_seconds"]["streams"] > 0
    assert 1 <= r["mean_batch_size"] <= r["settings"]["streams.batch_size"]
    assert isinstance(r["target"]["met"], bool)
    assert_machine(r)


@pytest.mark.timeout(1200)
def test_batching_smoke_with_the_real_model() -> None:
    r = bench("batching", "--size", "2", "--naive-size", "1", "--repeats", "2", timeout=1100)
    assert r["scenario"] == "batching" and r["backend"] == "transformers" and r["repeats"] == 2
    for part, n in (("in_process", 2), ("pipeline", 2), ("naive", 1)):
        assert r[part]["requests"] == n, part
        assert r[part]["completion_tokens"] > 0 and r[part]["tokens_per_s"] > 0, part
    assert r["pipeline"]["complete"] and r["naive"]["complete"]
    assert r["naive"]["settings"]["worker.max_batch_prompts"] == 1
    # The worker's generate calls, from its log: one product per call in (c); every
    # product in some call in (b).
    assert r["naive"]["backend_calls"] and all(call["prompts"] == 1 for call in r["naive"]["backend_calls"])
    for run in r["pipeline"]["runs"]:
        assert sum(call["prompts"] for call in run["backend_calls"]) >= 2
        assert all(call["seconds"] > 0 for call in run["backend_calls"])
    assert r["b_over_c"] > 0
    # (a) and (b) ran twice each; b/a is the median of the two pairs' ratios
    for part in ("in_process", "pipeline"):
        assert len(r[part]["runs"]) == 2 and all(run["tokens_per_s"] > 0 for run in r[part]["runs"]), part
    pairs = [b["tokens_per_s"] / a["tokens_per_s"] for a, b in zip(r["in_process"]["runs"], r["pipeline"]["runs"])]
    assert r["b_over_a_runs"] == pytest.approx(pairs, rel=1e-2)
    assert r["b_over_a"] == pytest.approx(sum(pairs) / 2, rel=1e-2)
    # (a0), form checks only, ran beside (a) in both pairs: a/a0 is the claim check's cost
    assert len(r["form_checks_only"]["runs"]) == 2 and r["form_checks_only"]["requests"] == 2
    checks = [a["descriptions_per_s"] / a0["descriptions_per_s"]
              for a, a0 in zip(r["in_process"]["runs"], r["form_checks_only"]["runs"])]
    assert r["a_over_a0_runs"] == pytest.approx(checks, rel=1e-2)
    assert_machine(r)


def test_latency_smoke() -> None:
    r = bench("latency", "--backend", "echo", "--size", "3", "--interval", "0.3")
    assert r["scenario"] == "latency" and r["complete"] and r["results"] == 3
    assert r["interval_s"] == 0.3
    p, s = r["pipeline_s"], r["single_request_s"]
    assert p["n"] == 3 and 0 < p["p50"] <= p["p95"] <= p["p99"] < 60
    assert s["n"] == 3 and s["p50"] >= 0  # echo answers in microseconds: may round to 0.0
    assert r["p50_ratio"] is None or r["p50_ratio"] > 0
    # products go at least --interval apart (that each waits for the previous description is not in the JSON)
    assert r["mean_interval_s"] >= 0.3
    assert_machine(r)


def test_burst_smoke() -> None:
    r = bench("burst", "--backend", "echo", "--size", "40", "--skus", "4", "--duration", "2")
    assert r["scenario"] == "burst" and r["complete"]
    assert r["reviews"] == 40 and r["skus"] == 4
    assert r["summaries_published"] >= 4  # at least one summary per SKU covers all its reviews
    assert 0 < r["llm_calls_per_review"] <= 1
    assert r["generation_batches"] >= 1
    f = r["freshness_s"]
    assert f["n"] == 4 and 0 <= f["p50"] <= f["p95"] <= f["max"]
    assert_machine(r)


def test_replay_smoke() -> None:
    r = bench("replay", "--backend", "echo", "--size", "50")
    assert r["scenario"] == "replay"
    assert r["replay"]["events"] == 50 and r["in_process"]["requests"] == 50
    assert r["replay_over_a"] > 0
    assert_machine(r)
