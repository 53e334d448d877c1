"""What every scenario shares: an isolated embedded stack, CPU accounting of its child
processes, a timestamped reader of an output topic, and the input data.

Absolute times on a shared 2-core machine are noise; every scenario therefore reports
ratios of things measured side by side in one run, and the load average at the time.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib.resources import files
from pathlib import Path
from typing import Any

from foundation.settings import Settings

REPO = Path(__file__).resolve().parents[2]
MODEL_CACHE = REPO / ".shopscribe" / "models"
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- environment ---------------------------------------------------------------------------
def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """Cores, load, and the CPU's vector ISA with the dtype `auto` picks on it: the same
    scenario runs in bfloat16 on an AVX-512-BF16 host and in float32 on an AVX2 one, so
    results from different hosts are only comparable with these beside them."""
    from workers.model_cache import choose_dtype, cpu_flags

    flags = cpu_flags()
    return {"cpus": len(os.sched_getaffinity(0)), "load_avg_1_5_15": load_average(), "isa": _isa(flags),
            "auto_dtype": choose_dtype("auto", flags)}


def _isa(flags: set[str]) -> str:
    if "amx_bf16" in flags:
        return "AMX"
    if "avx512_bf16" in flags:
        return "AVX-512-BF16"
    if "avx512f" in flags:
        return "AVX-512"
    return "AVX2" if "avx2" in flags else "other"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank-with-interpolation percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or not den:
        return None
    return round(num / den, 3)


def cpu_seconds(pid: int | None) -> float:
    """utime + stime of one process (all its threads) from /proc/<pid>/stat."""
    if pid is None:
        return 0.0
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "(comm)", fields start at #3 (state)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # #14 utime, #15 stime


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def tree_cpu_seconds(pid: int | None) -> float:
    """CPU of a process and its live descendants (vLLM runs its engine in a child)."""
    if pid is None:
        return 0.0
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += cpu_seconds(current)
        stack.extend(_children(current))
    return total


# -- the stack -------------------------------------------------------------------------------
def bench_settings(backend: str, **groups: dict) -> Settings:
    """Settings for one isolated run: a fresh broker port, fresh group ids, short group
    timeouts (the embedded broker holds a join for ~half the session timeout)."""
    from shopscribe.broker import free_port

    run = uuid.uuid4().hex[:8]
    base = Settings().with_overrides(
        kafka={"bootstrap": f"127.0.0.1:{free_port()}", "session_timeout_s": 6.0, "heartbeat_interval_s": 1.0,
               "short_end_offsets": True},  # the embedded broker: see KafkaSettings.short_end_offsets
        streams={"app_id": f"bench-streams-{run}"},
        worker={"group_id": f"bench-worker-{run}", "backend": backend, "model_cache_dir": MODEL_CACHE,
                "metrics_port": 0},
    )
    return base.with_overrides(**groups) if groups else base


@contextmanager
def running_stack(settings: Settings, name: str) -> Iterator[Any]:
    """Embedded broker + streams + worker processes; logs under a temp dir, removed after a
    clean run and kept (its path on stderr) after a failure."""
    from shopscribe.stack import LocalStack

    work_dir = Path(tempfile.mkdtemp(prefix=f"shopscribe-bench-{name}-"))
    try:
        with LocalStack(settings, work_dir, embedded=True) as stack:
            yield stack
    except BaseException:
        print(f"bench {name}: logs kept in {work_dir}", file=sys.stderr)
        raise
    shutil.rmtree(work_dir, ignore_errors=True)


def stack_cpu(stack: Any) -> dict[str, float]:
    pids = {name: p.pid for name, p in stack.processes.items()}
    pids["broker"] = stack.broker.pid if stack.broker else None
    return {name: tree_cpu_seconds(pid) for name, pid in pids.items()}


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: round(after[k] - before.get(k, 0.0), 3) for k in after}


def streams_metric(stack: Any, name: str, **labels: str) -> float:
    """A counter from the streams process's /metrics page (sum over label sets that match)."""
    import re
    import urllib.request

    text = urllib.request.urlopen(f"http://127.0.0.1:{stack.settings.streams.web_port}/metrics", timeout=5).read()
    total = 0.0
    for line in text.decode().splitlines():
        match = re.match(rf"^{name}(\{{[^}}]*\}})? ([0-9.e+-]+)$", line)
        if not match:
            continue
        labelset = match.group(1) or ""
        if all(f'{k}="{v}"' in labelset for k, v in labels.items()):
            total += float(match.group(2))
    return total


# -- producing and reading -------------------------------------------------------------------
def kafka_producer(settings: Settings, linger_ms: int = 5) -> Any:
    """A kafka-python producer with acks=all on the stack's broker (a context manager: it
    closes on exit). Larger batches than `shopscribe.clients.producer`: the overhead
    scenario sends 20,000 events as fast as it can."""
    from kafka import KafkaProducer

    from foundation.kafka import kafka_python_config

    return KafkaProducer(**kafka_python_config(settings.kafka), acks="all", linger_ms=linger_ms,
                         batch_size=256 * 1024)


def send_event(client: Any, topic: str, event: dict) -> Any:
    """Publish one event keyed by its sku; returns the send future."""
    return client.send(topic, key=event["sku"].encode(), value=json.dumps(event).encode())


def produce(settings: Settings, topic: str, events: list[dict], *, interval_s: float = 0.0,
            on_sent: Callable[[int, dict, float], None] | None = None, linger_ms: int = 5) -> float:
    """Publish `events` (keyed by sku); with `interval_s` one at a time at that pace.
    Returns the wall time spent. `on_sent(i, event, t)` gets each send time (time.time())."""
    started = time.monotonic()
    with kafka_producer(settings, linger_ms) as client:
        next_at = time.monotonic()
        for i, event in enumerate(events):
            if interval_s:
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at += interval_s
            sent_at = time.time()
            send_event(client, topic, event)
            if interval_s:
                client.flush()
            if on_sent:
                on_sent(i, event, sent_at)
        client.flush()
    return time.monotonic() - started


@dataclass
class Output:
    value: dict
    timestamp_ms: int  # the producing worker's CreateTime
    seen_at: float  # when this reader got it (time.time())


@dataclass
class TopicWatcher:
    """Reads a topic from the beginning in a thread, keeping every record with its times."""

    settings: Settings
    topic: str
    records: list[Output] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    error: BaseException | None = None

    def start(self) -> TopicWatcher:
        from kafka import KafkaConsumer, TopicPartition

        from foundation.kafka import kafka_python_config

        consumer = KafkaConsumer(**kafka_python_config(self.settings.kafka), group_id=None,
                                 enable_auto_commit=False, max_poll_records=5000)
        partitions = [TopicPartition(self.topic, p) for p in sorted(consumer.partitions_for_topic(self.topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)

        def loop() -> None:
            try:
                while not self._stop.is_set():
                    for records in consumer.poll(timeout_ms=100).values():
                        now = time.time()
                        for record in records:
                            self.records.append(Output(json.loads(record.value), record.timestamp, now))
            except BaseException as exc:  # noqa: BLE001 - reported by wait()
                self.error = exc
            finally:
                consumer.close()

        self._thread = threading.Thread(target=loop, name=f"watch-{self.topic}", daemon=True)
        self._thread.start()
        return self

    def wait(self, done: Callable[[list[Output]], bool], timeout_s: float,
             check: Callable[[], None] | None = None) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.error:
                raise self.error
            if check:
                check()
            if done(self.records):
                return True
            time.sleep(0.05)
        return done(self.records)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)


def distinct_skus(records: list[Output]) -> int:
    return len({r.value["sku"] for r in records})


# -- input data ------------------------------------------------------------------------------
def synthetic_products(n: int, prefix: str = "BENCH") -> list[dict]:
    """Small, valid, distinct products (unique SKUs) for the overhead scenario."""
    colors = ["black", "white", "sage green", "navy", "rust", "slate grey"]
    materials = ["stoneware", "walnut", "stainless steel", "cotton", "recycled nylon"]
    out = []
    for i in range(n):
        out.append({
            "event_id": f"{prefix}-evt-{i}", "type": "product.created", "sku": f"{prefix}-{i:06d}",
            "title": f"Everyday Item {i}", "brand": "Hearth & Co", "category": "kitchen",
            "attributes": {"material": materials[i % len(materials)], "color": colors[i % len(colors)],
                           "care": "hand wash only"},
            "occurred_at": (T0 + timedelta(seconds=i)).isoformat(),
        })
    return out


def catalog_products(n: int, prefix: str = "B") -> list[dict]:
    """`n` realistic products: the valid entries of the bundled sample catalog, cycled with
    fresh SKUs (so the same prompts are used by every variant of a scenario)."""
    from schemas import DecodeError, ProductEvent, decode

    valid = []
    for line in Path(str(files("shopscribe") / "data" / "catalog.jsonl")).read_bytes().splitlines():
        if not line.strip():
            continue
        try:
            decode(line, ProductEvent)
        except DecodeError:
            continue
        valid.append(json.loads(line))
    out = []
    for i in range(n):
        event = dict(valid[i % len(valid)])
        event["sku"] = f"{prefix}-{i:04d}-{event['sku']}"[:64]
        event["event_id"] = f"{prefix}-evt-{i}"
        event["type"] = "product.created"
        event["occurred_at"] = (T0 + timedelta(seconds=i)).isoformat()
        out.append(event)
    return out


def description_requests(events: list[dict], prompt_version: str) -> list[Any]:
    """The DescriptionRequests streams would emit for these events."""
    from schemas import ProductEvent
    from schemas.hashing import input_hash
    from streams.products import description_request

    requests = []
    for event in events:
        product = ProductEvent.model_validate(event)
        requests.append(description_request(product, input_hash(product, prompt_version), prompt_version))
    return requests


def review_texts() -> list[tuple[str, int]]:
    """Real review texts (bundled sample + the shared dev set when present), with ratings."""
    texts: list[tuple[str, int]] = []
    for line in Path(str(files("shopscribe") / "data" / "reviews.jsonl")).read_bytes().splitlines():
        try:
            data = json.loads(line)
            if isinstance(data.get("rating"), int) and 1 <= data["rating"] <= 5 and data.get("text"):
                texts.append((data["text"], data["rating"]))
        except (ValueError, AttributeError):
            continue
    dev = REPO.parent / "shared" / "eval" / "copycat-dev.jsonl"
    if dev.exists():
        for i, line in enumerate(dev.read_text().splitlines()):
            for j, review in enumerate(json.loads(line).get("reviews", [])):
                texts.append((review["text"], review.get("rating") or 1 + (i + j) % 5))
    return texts


def load_model_backend(settings: Settings) -> Any:
    from workers.backends import load_backend

    return load_backend(settings.worker)
