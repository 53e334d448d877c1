"""Soak: a sustained product event rate for N minutes on the embedded stack with the echo
backend; every few seconds, consumer lag (products.events for streams, generation.requests
for the worker), throughput and the resident memory of broker, streams and worker.

The events are updates of a bounded catalogue (`skus` SKUs, each event a new version with a
changed attribute, so none is skipped as unchanged): state stays bounded, and memory that
keeps growing after the warm-up is a leak, not data. Target: RSS growth < 10% after warm-up.

    shopscribe bench soak --minutes 10 --rate 200      # JSON on stdout, docs/img/soak.{json,png}
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from shopscribe.bench.common import REPO, T0, bench_settings, machine, running_stack

RSS_GROWTH_TARGET = 0.10


def rss_kib(pid: int | None) -> int | None:
    """VmRSS of one process from /proc/<pid>/status, in KiB (None when gone)."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def product_update(i: int, skus: int) -> dict:
    n = i % skus
    return {"event_id": f"soak-{i}", "type": "product.created" if i < skus else "product.updated",
            "sku": f"SOAK-{n:05d}", "title": f"Everyday Mug {n}", "brand": "Hearth & Co", "category": "kitchen",
            "attributes": {"material": "stoneware", "color": ["black", "white", "sage green", "navy"][i % 4],
                           "capacity": f"{300 + (i // skus) % 50} ml"},
            "occurred_at": (T0 + timedelta(milliseconds=i)).isoformat()}


class _Producer(threading.Thread):
    """Sends `rate` events/s in 100 ms ticks until stopped; counts what was acknowledged."""

    def __init__(self, settings: Any, rate: float, skus: int) -> None:
        super().__init__(name="soak-producer", daemon=True)
        self.settings, self.rate, self.skus = settings, rate, skus
        self.sent = 0
        self.acked = 0
        self.stop_event = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        from kafka import KafkaProducer

        from foundation.kafka import kafka_python_config

        client = KafkaProducer(**kafka_python_config(self.settings.kafka), acks="all", linger_ms=20)
        topic = self.settings.topics.products
        started = time.monotonic()
        try:
            while not self.stop_event.is_set():
                due = int((time.monotonic() - started) * self.rate)
                while self.sent < due:
                    event = product_update(self.sent, self.skus)
                    client.send(topic, key=event["sku"].encode(), value=json.dumps(event).encode()).add_callback(
                        self._acked)
                    self.sent += 1
                time.sleep(0.1)
            client.flush()
        except BaseException as exc:  # noqa: BLE001 - reported by the sampler
            self.error = exc
        finally:
            client.close()

    def _acked(self, _metadata: Any) -> None:
        self.acked += 1


class _Lag:
    """Committed offsets of a group vs log end offsets, summed over a topic's partitions."""

    def __init__(self, settings: Any) -> None:
        from kafka import KafkaConsumer

        from foundation.kafka import kafka_python_config

        self.settings = settings
        self.ends = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
        self.groups: dict[str, Any] = {}
        self._config = kafka_python_config(settings.kafka)

    def _group(self, group: str) -> Any:
        from kafka import KafkaConsumer

        if group not in self.groups:
            self.groups[group] = KafkaConsumer(**self._config, group_id=group, enable_auto_commit=False)
        return self.groups[group]

    def end(self, topic: str) -> int:
        from kafka import TopicPartition

        from foundation.kafka import log_end_offsets

        partitions = [TopicPartition(topic, p) for p in sorted(self.ends.partitions_for_topic(topic) or [])]
        return sum(log_end_offsets(self.ends, partitions).values())

    def lag(self, topic: str, group: str) -> tuple[int, int]:
        """(log end, lag) of `group` on `topic`."""
        from kafka import TopicPartition

        end = self.end(topic)
        consumer = self._group(group)
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        committed = sum(consumer.committed(tp) or 0 for tp in partitions)
        return end, max(end - committed, 0)

    def close(self) -> None:
        self.ends.close()
        for consumer in self.groups.values():
            consumer.close()


def run(minutes: float = 10.0, rate: float = 200.0, sample_s: float = 5.0, skus: int = 5000,
        warmup_s: float | None = None, out_dir: Path | None = None, plot: bool = True, **_: Any) -> dict[str, Any]:
    duration_s = minutes * 60
    warmup_s = warmup_s if warmup_s is not None else min(120.0, duration_s * 0.2)
    settings = bench_settings("echo")
    samples: list[dict[str, Any]] = []
    with running_stack(settings, "soak") as stack:
        topics = stack.settings.topics
        pids = {"broker": stack.broker.pid if stack.broker else None,
                **{name: p.pid for name, p in stack.processes.items()}}
        lag = _Lag(stack.settings)
        producer = _Producer(stack.settings, rate, skus)
        load_before = machine()
        started = time.monotonic()
        producer.start()
        previous = (0.0, 0, 0)
        try:
            next_at = started + sample_s
            while True:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += sample_s
                stack.check_alive()
                if producer.error:
                    raise producer.error
                t = time.monotonic() - started
                products_end, products_lag = lag.lag(topics.products, stack.settings.streams.app_id)
                requests_end, requests_lag = lag.lag(topics.requests, stack.settings.worker.group_id)
                results = lag.end(topics.descriptions)
                dt = t - previous[0]
                samples.append({
                    "t_s": round(t, 1), "sent": producer.sent, "acked": producer.acked, "products_end": products_end,
                    "results": results,
                    "in_per_s": round((producer.acked - previous[1]) / dt, 1),
                    "out_per_s": round((results - previous[2]) / dt, 1),
                    "lag_products_events": products_lag, "lag_generation_requests": requests_lag,
                    "rss_mib": {name: round((rss_kib(pid) or 0) / 1024, 1) for name, pid in pids.items()},
                    "load_avg_1m": machine()["load_avg_1_5_15"][0],
                })
                previous = (t, producer.acked, results)
                if t >= duration_s:
                    break
        finally:
            producer.stop_event.set()
            producer.join(timeout=30)
        # Drain: everything sent is processed (lag back to 0), bounded wait.
        drain_started = time.monotonic()
        while time.monotonic() - drain_started < 120:
            _, products_lag = lag.lag(topics.products, stack.settings.streams.app_id)
            _, requests_lag = lag.lag(topics.requests, stack.settings.worker.group_id)
            if products_lag == 0 and requests_lag == 0:
                break
            time.sleep(1)
        drain_s = time.monotonic() - drain_started
        results_final = lag.end(topics.descriptions)
        lag.close()
    result = _summarise(samples, warmup_s, duration_s, rate, skus, sample_s, producer, results_final, drain_s,
                        load_before)
    out_dir = out_dir or REPO / "docs" / "img"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "soak.json").write_text(json.dumps({**result, "samples": samples}, indent=1) + "\n")
    if plot:
        write_plot(samples, result, out_dir / "soak.png")
    return result


def _summarise(samples: list[dict], warmup_s: float, duration_s: float, rate: float, skus: int, sample_s: float,
               producer: _Producer, results_final: int, drain_s: float, load_before: dict) -> dict[str, Any]:
    after = [s for s in samples if s["t_s"] >= warmup_s] or samples
    window = max(1, min(6, len(after) // 4))  # compare the first and last ~30 s after warm-up
    growth: dict[str, Any] = {}
    for name in samples[0]["rss_mib"] if samples else []:
        first = sum(s["rss_mib"][name] for s in after[:window]) / window
        last = sum(s["rss_mib"][name] for s in after[-window:]) / window
        peak = max(s["rss_mib"][name] for s in samples)
        growth[name] = {"after_warmup_mib": round(first, 1), "end_mib": round(last, 1), "peak_mib": round(peak, 1),
                        "growth": round((last - first) / first, 4) if first else None}
    steady = [s for s in after]
    out_rates = [s["out_per_s"] for s in steady]
    return {
        "scenario": "soak",
        "backend": "echo",
        "minutes": round(duration_s / 60, 2),
        "target_rate_per_s": rate,
        "skus": skus,
        "sample_s": sample_s,
        "warmup_s": warmup_s,
        "events_sent": producer.sent,
        "events_acked": producer.acked,
        "results": results_final,
        "results_short_of_events": max(producer.acked - results_final, 0),
        "drain_s": round(drain_s, 1),
        "in_per_s_mean": round(sum(s["in_per_s"] for s in steady) / len(steady), 1) if steady else None,
        "out_per_s_mean": round(sum(out_rates) / len(out_rates), 1) if out_rates else None,
        "out_per_s_min": min(out_rates) if out_rates else None,
        "lag_max": {"products.events": max((s["lag_products_events"] for s in samples), default=None),
                    "generation.requests": max((s["lag_generation_requests"] for s in samples), default=None)},
        "lag_p50_after_warmup": {
            "products.events": sorted(s["lag_products_events"] for s in after)[len(after) // 2] if after else None,
            "generation.requests": sorted(s["lag_generation_requests"] for s in after)[len(after) // 2] if after else None,
        },
        "rss": growth,
        "target": {"rss_growth_after_warmup": RSS_GROWTH_TARGET,
                   "met": all(g["growth"] is not None and g["growth"] < RSS_GROWTH_TARGET for g in growth.values())},
        "machine": {"before": load_before, "after": machine()},
    }


def write_plot(samples: list[dict], result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t_s"] / 60 for s in samples]
    fig, axes = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    ax = axes[0]
    ax.plot(t, [s["in_per_s"] for s in samples], label="events in /s")
    ax.plot(t, [s["out_per_s"] for s in samples], label="descriptions out /s")
    ax.set_ylabel("throughput (/s)")
    ax.legend(loc="lower right")
    ax.set_title(f"soak: {result['target_rate_per_s']:.0f} product events/s for {result['minutes']:g} min, echo backend")
    ax = axes[1]
    ax.plot(t, [s["lag_products_events"] for s in samples], label="streams lag on products.events (records)")
    ax.plot(t, [s["lag_generation_requests"] for s in samples], label="worker lag on generation.requests (batches)")
    ax.set_ylabel("consumer lag")
    ax.legend(loc="upper right")
    ax = axes[2]
    for name in samples[0]["rss_mib"] if samples else []:
        ax.plot(t, [s["rss_mib"][name] for s in samples], label=f"{name} RSS")
    ax.axvline(result["warmup_s"] / 60, color="grey", linestyle=":", label="end of warm-up")
    ax.set_ylabel("RSS (MiB)")
    ax.set_xlabel("minutes")
    ax.legend(loc="center right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
