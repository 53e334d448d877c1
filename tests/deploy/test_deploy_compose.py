"""docker-compose structure: services, profiles, dependencies, GPU reservation, topic init,
mounted files, and settings the code reads."""

from __future__ import annotations

import re

from deploy_support import COMPOSE_FILE, compose, settings_field_exists

SERVICES = compose()["services"]


def env(service: str) -> dict[str, str]:
    value = SERVICES[service].get("environment", {})
    if isinstance(value, list):
        value = dict(item.split("=", 1) for item in value)
    return {k: str(v) for k, v in value.items()}


def test_expected_services() -> None:
    assert {"kafka", "kafka-init", "streams", "worker", "worker-cpu", "prometheus", "grafana"} <= set(SERVICES)


def test_kafka_is_apache_kafka_in_kraft_mode() -> None:
    kafka = SERVICES["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    e = env("kafka")
    assert set(e["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert e["KAFKA_CONTROLLER_LISTENER_NAMES"] in e["KAFKA_LISTENERS"]
    assert "healthcheck" in kafka


def test_images_are_pinned() -> None:
    for name, service in SERVICES.items():
        image = service.get("image", "")
        assert image and ":" in image and not image.endswith(":latest"), f"{name}: pin the image tag"


def test_depends_on_targets_exist_and_conditions_fit() -> None:
    for name, service in SERVICES.items():
        deps = service.get("depends_on", {})
        items = deps.items() if isinstance(deps, dict) else ((d, {}) for d in deps)
        for target, spec in items:
            assert target in SERVICES, f"{name} depends on unknown {target}"
            condition = (spec or {}).get("condition")
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[target], f"{target} has no healthcheck"
            if condition == "service_completed_successfully":
                assert SERVICES[target].get("restart", "no") == "no", f"{target} must be one-shot"
            # A service without a profile must not wait for one that only runs in a profile.
            if not service.get("profiles"):
                assert not SERVICES[target].get("profiles"), f"{name} depends on profiled {target}"


def test_topic_init_creates_every_topic_with_compaction_for_outputs() -> None:
    init = SERVICES["kafka-init"]
    script = "\n".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    assert "kafka-topics.sh" in script and "--if-not-exists" in script and "--partitions" in script
    for topic in ("products.events", "reviews.events", "generation.requests",
                  "products.descriptions", "reviews.summaries", "products.events.dlq", "reviews.events.dlq",
                  "generation.requests.dlq"):
        assert topic in script, topic
    for topic in ("products.descriptions", "reviews.summaries"):
        line = next(li for li in script.splitlines() if f"create {topic}" in li)
        assert "cleanup.policy=compact" in line
    assert "retention.ms" in script
    # `$` must be doubled for compose not to interpolate the shell's variables.
    assert not re.search(r"(?<!\$)\$(?!\$)[A-Za-z{]", script)


def test_gpu_worker_reserves_a_gpu_and_cpu_profile_uses_transformers() -> None:
    gpu = SERVICES["worker"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert any(d["driver"] == "nvidia" and "gpu" in d["capabilities"] and d.get("count", 1) >= 1 for d in devices)
    assert env("worker")["SHOPSCRIBE_WORKER__BACKEND"] == "vllm"
    assert gpu["build"]["dockerfile"].endswith("Dockerfile.gpu")
    cpu = SERVICES["worker-cpu"]
    assert "cpu" in cpu["profiles"] and "gpu" in gpu["profiles"]
    assert env("worker-cpu")["SHOPSCRIBE_WORKER__BACKEND"] == "transformers"
    assert "deploy" not in cpu
    for name in ("worker", "worker-cpu"):
        e = env(name)
        assert e["SHOPSCRIBE_WORKER__GROUP_ID"] == "shopscribe-worker"
        assert e["HEALTHCHECK_READY_FILE"] == e["SHOPSCRIBE_WORKER__READY_FILE"]
        assert e["HEALTHCHECK_URL"].endswith(f":{e['SHOPSCRIBE_WORKER__METRICS_PORT']}/metrics")


def test_services_reach_kafka_inside_the_network() -> None:
    for name in ("streams", "worker", "worker-cpu"):
        assert env(name)["SHOPSCRIBE_KAFKA__BOOTSTRAP"] == "kafka:9092"


def test_settings_env_names_exist() -> None:
    """Every SHOPSCRIBE_* variable set in compose is a field of foundation.settings.Settings."""
    for name in SERVICES:
        for key in env(name):
            if key.startswith("SHOPSCRIBE_"):
                assert settings_field_exists(key), f"{name}: {key} is not a setting"


def test_mounted_files_exist() -> None:
    base = COMPOSE_FILE.parent
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")) and "$" not in source:
                assert (base / source).exists(), f"{name}: {source} missing"
        build = service.get("build")
        if build:
            assert (base / build["context"] / build["dockerfile"]).is_file()


def test_prometheus_scrapes_the_ports_the_code_serves() -> None:
    import yaml

    config = yaml.safe_load((COMPOSE_FILE.parent.parent / "prometheus" / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert f"streams:{env('streams')['SHOPSCRIBE_STREAMS__WEB_PORT']}" in targets
    assert f"worker:{env('worker')['SHOPSCRIBE_WORKER__METRICS_PORT']}" in targets
    assert f"worker-cpu:{env('worker-cpu')['SHOPSCRIBE_WORKER__METRICS_PORT']}" in targets
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_grafana_is_provisioned() -> None:
    mounts = SERVICES["grafana"]["volumes"]
    assert any(m.endswith(":/etc/grafana/provisioning:ro") for m in mounts)
    assert any(m.endswith(":/var/lib/grafana/dashboards:ro") for m in mounts)
