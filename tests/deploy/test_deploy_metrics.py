"""Metric names in the alert rules and the Grafana dashboards exist in foundation/metrics.py.

Prometheus exposes a counter `x_total` as `x_total`, a histogram `x` as `x_bucket`, `x_sum`,
`x_count`, a gauge as its name. Recording rules (`shopscribe:...`) must be defined in
alerts.yml; the only other series allowed are the EXTERNAL ones listed below, from a
Kafka exporter, and only in rules labelled `source: kafka-exporter`.
"""

from __future__ import annotations

import json
import re

import pytest
from deploy_support import DASHBOARDS, alerts

# Not exported by shopscribe: consumer-group lag from danielqsj/kafka-exporter (compose)
# or Strimzi's Kafka Exporter (Kubernetes). name -> its labels.
EXTERNAL_METRICS = {"kafka_consumergroup_lag": {"consumergroup", "topic", "partition"}}
PROMETHEUS_LABELS = {"job", "instance", "le"}

PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
    "inf", "nan",
}


def exported_metrics() -> dict[str, tuple[str, set[str]]]:
    """Series name -> (metric type, label names), read from the Metrics registry itself."""
    from foundation.metrics import Metrics

    out: dict[str, tuple[str, set[str]]] = {}
    for collector in Metrics().registry._collector_to_names:  # noqa: SLF001 - the registry is the source
        kind = collector._type  # noqa: SLF001
        name = collector._name  # noqa: SLF001
        labels = set(collector._labelnames)  # noqa: SLF001
        if kind == "counter":
            out[f"{name}_total"] = (kind, labels)
        elif kind == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                out[name + suffix] = (kind, labels | {"le"} if suffix == "_bucket" else labels)
        else:
            out[name] = (kind, labels)
    return out


def parse_promql(expr: str) -> tuple[set[str], set[str]]:
    """(series names, label names) an expression uses. Not a full parser: strips strings,
    ranges, label matchers, grouping clauses, functions and keywords, then reads what is left."""
    labels: set[str] = set()
    text = re.sub(r"\$\{?\w+\}?", " ", expr)                     # Grafana variables
    for block in re.findall(r"\{([^}]*)\}", text):                # label matchers
        labels.update(re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", block))
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r'"[^"]*"', " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)                       # ranges and subqueries
    for clause in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", text):
        labels.update(w.strip() for w in clause.split(",") if w.strip())
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\b[a-zA-Z_]\w*\s*\(", " (", text)               # function calls
    text = re.sub(r"\b\d+(\.\d+)?(e[+-]?\d+)?\b", " ", text)        # numbers
    names = {w for w in re.findall(r"[a-zA-Z_:][\w:]*", text) if w.lower() not in PROMQL_WORDS}
    return names, labels


def alert_rules() -> list[dict]:
    return [rule for group in alerts()["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[tuple[str, str]]:
    out = []
    for path in DASHBOARDS:
        def walk(panels, path=path):  # noqa: ANN001
            for panel in panels:
                for target in panel.get("targets", []):
                    if "expr" in target:
                        out.append((f"{path.name}: {panel.get('title')}", target["expr"]))
                walk(panel.get("panels", []))
        dashboard = json.loads(path.read_text())
        walk(dashboard.get("panels", []))
        for var in dashboard.get("templating", {}).get("list", []):
            query = var.get("query")
            if isinstance(query, dict):
                query = query.get("query")
            if var.get("type") == "query" and isinstance(query, str):
                out.append((f"{path.name}: variable {var.get('name')}", query))
    return out


def check(where: str, expr: str, recorded: set[str], external_ok: bool) -> list[str]:
    exported = exported_metrics()
    names, labels = parse_promql(expr)
    problems, known_labels = [], set(PROMETHEUS_LABELS)
    if not names:
        problems.append(f"{where}: no metric found in {expr!r}")
    for name in names:
        if name in exported:
            known_labels |= exported[name][1]
        elif name in recorded:
            pass
        elif name in EXTERNAL_METRICS:
            known_labels |= EXTERNAL_METRICS[name]
            if not external_ok:
                problems.append(f"{where}: external metric {name} in a rule not labelled source: kafka-exporter")
        else:
            problems.append(f"{where}: {name} is not exported by foundation/metrics.py (nor recorded, nor external)")
    unknown = labels - known_labels
    if unknown and not (names & recorded):
        problems.append(f"{where}: labels {sorted(unknown)} not on any metric used")
    return problems


def test_registry_is_readable() -> None:
    exported = exported_metrics()
    assert "shopscribe_results_total" in exported and "shopscribe_end_to_end_seconds_bucket" in exported


def test_parser_sees_names_and_labels() -> None:
    names, labels = parse_promql(
        'sum by (kind) (rate(shopscribe_fallbacks_total{reason!="x"}[5m])) / '
        "histogram_quantile(0.9, sum by (le) (rate(shopscribe_batch_size_bucket[$__rate_interval])))"
    )
    assert names == {"shopscribe_fallbacks_total", "shopscribe_batch_size_bucket"}
    assert labels == {"kind", "reason", "le"}
    assert parse_promql("shopscribe_nope_total > 1")[0] == {"shopscribe_nope_total"}


def test_alert_expressions_use_exported_metrics() -> None:
    rules = alert_rules()
    recorded = {r["record"] for r in rules if "record" in r}
    assert all(name.startswith("shopscribe:") for name in recorded)
    problems = []
    for rule in rules:
        where = f"alerts.yml {rule.get('alert') or rule.get('record')}"
        external_ok = rule.get("labels", {}).get("source") == "kafka-exporter"
        problems += check(where, rule["expr"], recorded, external_ok)
    assert not problems, "\n".join(problems)


def test_alerts_cover_the_issue() -> None:
    exprs = " ".join(r["expr"] for r in alert_rules() if "alert" in r)
    for needle in ("kafka_consumergroup_lag", "shopscribe_dead_letters_total", "shopscribe_fallbacks_total",
                   "shopscribe_generation_errors_total", "shopscribe:e2e_slo_errors"):
        assert needle in exprs, f"no alert uses {needle}"
    for rule in alert_rules():
        if "alert" in rule:
            assert rule["labels"]["severity"] and rule["annotations"]["summary"], rule["alert"]


def test_slo_bucket_exists() -> None:
    """The SLO threshold must be a real bucket bound, written as the client writes it."""
    from foundation.metrics import LATENCY_BUCKETS

    bounds = set()
    for rule in alert_rules():
        bounds.update(re.findall(r'shopscribe_end_to_end_seconds_bucket\{le="([^"]+)"\}', rule["expr"]))
    assert bounds
    for bound in bounds:
        assert float(bound) in LATENCY_BUCKETS and bound == repr(float(bound)), bound


def test_dashboard_expressions_use_exported_metrics() -> None:
    exprs = dashboard_exprs()
    assert len(exprs) >= 10
    problems = []
    for where, expr in exprs:
        problems += check(where, expr, set(), external_ok="kafka_" in expr and "external" in where.lower())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_shape(path) -> None:  # noqa: ANN001
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "prometheus", panel["title"]


def test_every_exported_metric_is_on_the_dashboard() -> None:
    used = set()
    for _, expr in dashboard_exprs():
        used |= parse_promql(expr)[0]
    base = {re.sub(r"_(bucket|sum|count)$", "", n) for n in used}
    missing = [name for name, (kind, _) in exported_metrics().items()
               if re.sub(r"_(bucket|sum|count)$", "", name) not in base]
    assert not missing, f"exported but on no dashboard panel: {missing}"
