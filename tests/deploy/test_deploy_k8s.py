"""Kubernetes manifests: kustomizations resolve, overlays render (offline stand-in for
`kustomize build`), core resources validate against the Kubernetes schemas
(kubernetes-validate), CRDs (Strimzi, KEDA) are checked structurally, and the wiring the
design relies on is there (replicas <= partitions, GPU, readiness, KEDA lag trigger,
SASL/TLS secrets, PDBs, NetworkPolicies, resource requests)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from deploy_render import build, kustomization_file, load_docs, pod_containers, pod_spec
from deploy_support import BASE, K8S, OVERLAYS, settings_field_exists

KUBERNETES_VERSION = "1.30.0"
CRDS = {  # apiVersion -> kinds we use; structural checks only
    "kafka.strimzi.io/v1beta2": {"KafkaTopic", "KafkaUser"},
    "keda.sh/v1alpha1": {"ScaledObject", "TriggerAuthentication"},
}
KUSTOMIZATIONS = [BASE, *OVERLAYS]
ids = lambda p: str(p.relative_to(K8S))  # noqa: E731


def rendered(overlay: Path) -> list[dict]:
    return build(overlay)


def find(docs: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def one(docs: list[dict], kind: str, name: str) -> dict:
    hits = find(docs, kind, name)
    assert len(hits) == 1, f"expected one {kind}/{name}, found {len(hits)}"
    return hits[0]


def config(docs: list[dict]) -> dict:
    return one(docs, "ConfigMap", "shopscribe-config")["data"]


def test_overlays_exist() -> None:
    assert {p.name for p in OVERLAYS} >= {"dev", "prod"}


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=ids)
def test_kustomization_paths_exist(directory: Path) -> None:
    k = yaml.safe_load(kustomization_file(directory).read_text())
    assert k["kind"] == "Kustomization"
    for entry in k.get("resources", []):
        target = directory / entry
        assert target.exists(), f"{entry} listed in {directory} does not exist"
        if target.is_dir():
            kustomization_file(target)
    for patch in k.get("patches", []):
        assert (directory / patch["path"]).is_file(), f"patch {patch['path']} missing"
    listed = {(directory / e).resolve() for e in k.get("resources", [])}
    listed |= {(directory / p["path"]).resolve() for p in k.get("patches", [])}
    orphans = [p.name for p in directory.glob("*.yaml") if p.name != "kustomization.yaml" and p.resolve() not in listed]
    assert not orphans, f"files in {directory} not referenced by its kustomization: {orphans}"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=ids)
def test_overlay_renders_and_patches_hit(overlay: Path) -> None:
    # build() raises when a patch, replicas entry or delete targets nothing.
    docs = rendered(overlay)
    keys = [(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]) for d in docs]
    assert len(keys) == len(set(keys)), "duplicate resources after rendering"
    k = yaml.safe_load(kustomization_file(overlay).read_text())
    for image in k.get("images", []):
        images = [c["image"] for d in docs for c in pod_containers(d)]
        assert any(i.startswith(image.get("newName", image["name"]) + ":") for i in images), \
            f"images entry {image['name']} matches no container"
    namespaces = find(docs, "Namespace")
    assert [n["metadata"]["name"] for n in namespaces] == [k["namespace"]]


def manifests() -> list[tuple[str, dict]]:
    out = []
    for directory in KUSTOMIZATIONS:
        label = ids(directory)
        docs = [d for p in sorted(BASE.glob("*.yaml")) if p.name != "kustomization.yaml" for d in load_docs(p)] \
            if directory == BASE else rendered(directory)
        out += [(f"{label}: {d['kind']}/{d['metadata']['name']}", d) for d in docs]
    return out


MANIFESTS = manifests()


@pytest.mark.parametrize("doc", [d for _, d in MANIFESTS if d["apiVersion"] not in CRDS],
                         ids=[w for w, d in MANIFESTS if d["apiVersion"] not in CRDS])
def test_core_manifest_validates(doc: dict) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("doc", [d for _, d in MANIFESTS if d["apiVersion"] in CRDS],
                         ids=[w for w, d in MANIFESTS if d["apiVersion"] in CRDS])
def test_custom_resource_structure(doc: dict) -> None:
    assert doc["kind"] in CRDS[doc["apiVersion"]]
    assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
    assert doc["metadata"]["name"] and isinstance(doc["spec"], dict) and doc["spec"]
    if doc["kind"] == "KafkaTopic":
        spec = doc["spec"]
        assert doc["metadata"]["labels"]["strimzi.io/cluster"]
        assert spec["topicName"] and int(spec["partitions"]) >= 1 and int(spec["replicas"]) >= 1
        assert all(isinstance(v, str) for v in spec.get("config", {}).values()), "topic configs as strings"
    if doc["kind"] == "KafkaUser":
        assert doc["spec"]["authentication"]["type"] in ("scram-sha-512", "tls")
    if doc["kind"] == "ScaledObject":
        spec = doc["spec"]
        assert spec["scaleTargetRef"]["name"]
        assert 0 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        for trigger in spec["triggers"]:
            assert trigger["type"] and trigger["metadata"]
            assert all(isinstance(v, str) for v in trigger["metadata"].values()), "KEDA metadata values are strings"
    if doc["kind"] == "TriggerAuthentication":
        for ref in doc["spec"]["secretTargetRef"]:
            assert {"parameter", "name", "key"} <= set(ref)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=ids)
def test_topics(overlay: Path) -> None:
    docs = rendered(overlay)
    data = config(docs)
    topics = {t["spec"]["topicName"]: t["spec"] for t in find(docs, "KafkaTopic")}
    names = [data[f"SHOPSCRIBE_TOPICS__{k}"] for k in ("PRODUCTS", "REVIEWS", "REQUESTS", "DESCRIPTIONS", "SUMMARIES")]
    inputs = names[:3]
    expected = {*names, *(f"{t}.dlq" for t in inputs)}
    assert set(topics) == expected
    for compacted in (data["SHOPSCRIBE_TOPICS__DESCRIPTIONS"], data["SHOPSCRIBE_TOPICS__SUMMARIES"]):
        assert topics[compacted]["config"]["cleanup.policy"] == "compact"
    for name in inputs:
        assert topics[name]["config"].get("cleanup.policy", "delete") == "delete"
    # Faust sizes its changelogs from this setting: it must match the source topics.
    assert {topics[t]["partitions"] for t in names[:2]} == {int(data["SHOPSCRIBE_TOPICS__PARTITIONS"])}
    for spec in topics.values():
        assert int(spec["config"].get("min.insync.replicas", "1")) <= spec["replicas"]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=ids)
def test_streams_replicas_within_partitions(overlay: Path) -> None:
    docs = rendered(overlay)
    data = config(docs)
    streams = one(docs, "StatefulSet", "shopscribe-streams")
    topics = {t["spec"]["topicName"]: t["spec"] for t in find(docs, "KafkaTopic")}
    partitions = min(topics[data["SHOPSCRIBE_TOPICS__PRODUCTS"]]["partitions"],
                     topics[data["SHOPSCRIBE_TOPICS__REVIEWS"]]["partitions"])
    assert 1 <= streams["spec"]["replicas"] <= partitions
    for scaled in find(docs, "ScaledObject"):
        requests = topics[data["SHOPSCRIBE_TOPICS__REQUESTS"]]["partitions"]
        assert scaled["spec"]["maxReplicaCount"] <= requests, "workers beyond partitions never become ready"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=ids)
def test_workloads(overlay: Path) -> None:
    docs = rendered(overlay)
    data = config(docs)
    streams = one(docs, "StatefulSet", "shopscribe-streams")
    worker = one(docs, "Deployment", "shopscribe-worker")
    for workload in (streams, worker):
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] != 0
        assert workload["spec"]["selector"]["matchLabels"].items() <= workload["spec"]["template"]["metadata"]["labels"].items()
        for c in pod_containers(workload):
            assert c["resources"]["requests"]["cpu"] and c["resources"]["requests"]["memory"], c["name"]
            assert c["resources"]["limits"]["memory"], c["name"]
            assert c["readinessProbe"] and c["livenessProbe"], c["name"]
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert {"configMapRef": {"name": "shopscribe-config"}} in c["envFrom"]
            mounts = {m["name"] for m in c.get("volumeMounts", [])}
            volumes = {v["name"] for v in spec.get("volumes", [])}
            volumes |= {t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])}
            assert mounts <= volumes, f"mounts without volumes: {mounts - volumes}"
    # Streams: readiness and metrics on the Faust web port.
    (sc,) = pod_containers(streams)
    port = int(data["SHOPSCRIBE_STREAMS__WEB_PORT"])
    assert {p["containerPort"] for p in sc["ports"]} == {port}
    assert sc["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert sc["livenessProbe"]["httpGet"]["path"] == "/metrics"
    state_mount = next(m for m in sc["volumeMounts"] if m["name"] == "streams-state")
    assert state_mount["mountPath"] == data["SHOPSCRIBE_STREAMS__DATA_DIR"]
    # Worker: metrics port, readiness = the ready file the worker writes once its model is loaded.
    (wc,) = pod_containers(worker)
    assert {p["containerPort"] for p in wc["ports"]} == {int(data["SHOPSCRIBE_WORKER__METRICS_PORT"])}
    assert wc["readinessProbe"]["exec"]["command"] == ["test", "-f", data["SHOPSCRIBE_WORKER__READY_FILE"]]
    assert any(m["mountPath"] == str(Path(data["SHOPSCRIBE_WORKER__READY_FILE"]).parent) for m in wc["volumeMounts"]), \
        "the ready file needs a writable directory (root filesystem is read-only)"
    assert any(m["mountPath"] == data["SHOPSCRIBE_WORKER__MODEL_CACHE_DIR"] or
               data["SHOPSCRIBE_WORKER__MODEL_CACHE_DIR"].startswith(m["mountPath"] + "/") for m in wc["volumeMounts"])
    backend = data["SHOPSCRIBE_WORKER__BACKEND"]
    gpu = wc["resources"]["limits"].get("nvidia.com/gpu")
    if backend == "vllm":
        assert gpu == 1 and wc["resources"]["requests"]["nvidia.com/gpu"] == 1
        assert "gpu" in wc["image"]
        model = data["SHOPSCRIBE_WORKER__MODEL"]
        assert any(model.startswith(m["mountPath"] + "/") for m in wc["volumeMounts"]), "model dir not on a volume"
    else:
        assert backend == "transformers" and gpu is None and "cpu" in wc["image"]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=ids)
def test_secret_wiring(overlay: Path) -> None:
    docs = rendered(overlay)
    data = config(docs)
    for workload in (one(docs, "StatefulSet", "shopscribe-streams"), one(docs, "Deployment", "shopscribe-worker")):
        (c,) = pod_containers(workload)
        env = {e["name"]: e for e in c.get("env", [])}
        for name, key in (("SHOPSCRIBE_KAFKA__SASL_USERNAME", "username"), ("SHOPSCRIBE_KAFKA__SASL_PASSWORD", "password")):
            ref = env[name]["valueFrom"]["secretKeyRef"]
            assert (ref["name"], ref["key"]) == ("shopscribe-kafka", key)
        ca = next(v for v in pod_spec(workload)["volumes"] if v["name"] == "kafka-ca")
        assert ca["secret"]["secretName"] == "shopscribe-kafka-ca"
        if data.get("SHOPSCRIBE_KAFKA__SSL_CAFILE"):
            mount = next(m for m in c["volumeMounts"] if m["name"] == "kafka-ca")
            assert data["SHOPSCRIBE_KAFKA__SSL_CAFILE"].startswith(mount["mountPath"] + "/")
    protocol = data["SHOPSCRIBE_KAFKA__SECURITY_PROTOCOL"]
    assert protocol in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
    if protocol.startswith("SASL"):
        assert data["SHOPSCRIBE_KAFKA__SASL_MECHANISM"] in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
    if protocol.endswith("SSL"):
        assert data["SHOPSCRIBE_KAFKA__SSL_CAFILE"]
    assert not find(docs, "Secret"), "no Secret contents in the repository"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=ids)
def test_keda(overlay: Path) -> None:
    docs = rendered(overlay)
    data = config(docs)
    for scaled in find(docs, "ScaledObject"):
        assert scaled["spec"]["scaleTargetRef"]["name"] == "shopscribe-worker"
        (trigger,) = scaled["spec"]["triggers"]
        meta = trigger["metadata"]
        assert trigger["type"] == "kafka"
        assert meta["topic"] == data["SHOPSCRIBE_TOPICS__REQUESTS"]
        assert meta["consumerGroup"] == data["SHOPSCRIBE_WORKER__GROUP_ID"] == "shopscribe-worker"
        assert meta["bootstrapServers"] == data["SHOPSCRIBE_KAFKA__BOOTSTRAP"]
        if data["SHOPSCRIBE_KAFKA__SECURITY_PROTOCOL"] != "PLAINTEXT":
            auth = trigger["authenticationRef"]["name"]
            assert find(docs, "TriggerAuthentication", auth)
        assert "replicas" not in one(docs, "Deployment", "shopscribe-worker")["spec"], \
            "KEDA owns the worker's replicas"
    if overlay.name == "prod":
        assert find(docs, "ScaledObject"), "prod autoscales workers"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=ids)
def test_pdbs_services_and_network_policies_select_pods(overlay: Path) -> None:
    docs = rendered(overlay)
    pod_labels = [w["spec"]["template"]["metadata"]["labels"] for w in docs if pod_spec(w) is not None]
    selects = lambda sel: any(sel.items() <= labels.items() for labels in pod_labels)  # noqa: E731
    pdbs = find(docs, "PodDisruptionBudget")
    assert {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for p in pdbs} == \
        {"shopscribe-streams", "shopscribe-worker"}
    for pdb in pdbs:
        assert selects(pdb["spec"]["selector"]["matchLabels"])
    for service in find(docs, "Service"):
        assert selects(service["spec"]["selector"]), service["metadata"]["name"]
    policies = find(docs, "NetworkPolicy")
    assert any(p["spec"]["podSelector"] == {} and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
               for p in policies), "a default-deny policy"
    for policy in policies:
        if policy["spec"]["podSelector"]:
            assert selects(policy["spec"]["podSelector"]["matchLabels"]), policy["metadata"]["name"]
    egress_ports = {p["port"] for pol in policies for rule in pol["spec"].get("egress", []) for p in rule.get("ports", [])}
    bootstrap_port = int(config(docs)["SHOPSCRIBE_KAFKA__BOOTSTRAP"].rsplit(":", 1)[1])
    assert {53, bootstrap_port} <= egress_ports
    ingress_ports = {p["port"] for pol in policies for rule in pol["spec"].get("ingress", []) for p in rule.get("ports", [])}
    data = config(docs)
    assert {int(data["SHOPSCRIBE_STREAMS__WEB_PORT"]), int(data["SHOPSCRIBE_WORKER__METRICS_PORT"])} <= ingress_ports


def test_renderer_rejects_a_patch_without_target(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1'}\n")
    (tmp_path / "patch.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: '2'}\n")
    (tmp_path / "kustomization.yaml").write_text("resources: [base.yaml]\npatches: [{path: patch.yaml}]\n")
    with pytest.raises(LookupError):
        build(tmp_path)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=ids)
def test_env_names_are_settings(overlay: Path) -> None:
    docs = rendered(overlay)
    names = set(config(docs))
    for workload in docs:
        for c in pod_containers(workload):
            names |= {e["name"] for e in c.get("env", [])}
    bad = sorted(n for n in names if n.startswith("SHOPSCRIBE_") and not settings_field_exists(n))
    assert not bad, f"not fields of foundation.settings.Settings: {bad}"
    assert not settings_field_exists("SHOPSCRIBE_KAFKA__NOPE")
