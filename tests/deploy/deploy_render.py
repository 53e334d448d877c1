"""Offline stand-in for `kustomize build`, for tests only (kustomize is not installed).

Supports exactly the kustomization features deploy/k8s uses: `resources` (files and
directories), `namespace`, `images`, `replicas`, and `patches` with a `path` to either a
strategic-merge patch (its target is the patch's own kind/name; `$patch: delete`, null to
drop a key, lists of named items merged by name) or a JSON 6902 patch list with a
`target` (group/version/kind/name). Anything else is reported as unsupported, so the
tests fail rather than silently diverge from real kustomize.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_KEYS = {"apiVersion", "kind", "namespace", "resources", "images", "replicas", "patches"}
# Kubernetes list fields merged by `name` in strategic merge patches (the ones we use).
MERGE_BY_NAME = {"containers", "initContainers", "volumes", "volumeMounts", "env", "ports", "volumeClaimTemplates"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume"}


class Unsupported(Exception):
    pass


def load_docs(path: Path) -> list[dict]:
    with path.open() as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def kustomization_file(directory: Path) -> Path:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"no kustomization in {directory}")


def ident(doc: dict) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def build(directory: Path) -> list[dict]:
    kfile = kustomization_file(directory)
    k = yaml.safe_load(kfile.read_text())
    unknown = set(k) - SUPPORTED_KEYS
    if unknown:
        raise Unsupported(f"{kfile}: keys {sorted(unknown)} not supported by the offline renderer")
    docs: list[dict] = []
    for entry in k.get("resources", []):
        target = directory / entry
        docs.extend(build(target) if target.is_dir() else load_docs(target))
    for patch in k.get("patches", []):
        docs = apply_patch(directory, patch, docs)
    for image in k.get("images", []):
        apply_image(docs, image)
    for rep in k.get("replicas", []):
        matched = [d for d in docs if d["metadata"]["name"] == rep["name"]
                   and d["kind"] in ("Deployment", "StatefulSet", "ReplicaSet")]
        if not matched:
            raise LookupError(f"{kfile}: replicas target {rep['name']} not found")
        for d in matched:
            d["spec"]["replicas"] = rep["count"]
    if "namespace" in k:
        for d in docs:
            if d["kind"] not in CLUSTER_SCOPED:
                d["metadata"]["namespace"] = k["namespace"]
    return docs


def apply_patch(directory: Path, patch: dict, docs: list[dict]) -> list[dict]:
    if set(patch) - {"path", "target"} or "path" not in patch:
        raise Unsupported(f"patch entry {patch}: only `path` (+ `target`) is supported")
    body = yaml.safe_load((directory / patch["path"]).read_text())
    if isinstance(body, list):  # JSON 6902
        target = patch.get("target")
        if not target:
            raise Unsupported(f"{patch['path']}: a JSON 6902 patch needs a target")
        hits = [d for d in docs if matches(d, target)]
        if not hits:
            raise LookupError(f"{patch['path']}: target {target} matches no resource")
        for d in hits:
            for op in body:
                json6902(d, op)
        return docs
    if patch.get("target"):
        raise Unsupported(f"{patch['path']}: strategic-merge patches take their target from the patch itself")
    key = ident(body)
    hits = [i for i, d in enumerate(docs) if ident(d) == key]
    if not hits:
        raise LookupError(f"{patch['path']}: patch target {key} matches no resource")
    if body.get("$patch") == "delete":
        return [d for i, d in enumerate(docs) if i not in hits]
    for i in hits:
        docs[i] = strategic_merge(docs[i], body)
    return docs


def matches(doc: dict, target: dict) -> bool:
    group, _, version = doc["apiVersion"].rpartition("/")
    checks = {"group": group, "version": version, "kind": doc["kind"], "name": doc["metadata"]["name"]}
    for field, value in target.items():
        if field not in checks:
            raise Unsupported(f"patch target field {field}")
        if checks[field] != value:
            return False
    return True


def strategic_merge(base: Any, patch: Any, field: str = "") -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if key == "$patch":
                continue
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = strategic_merge(out[key], value, key)
            else:
                out[key] = strip_directives(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and field in MERGE_BY_NAME:
        out = copy.deepcopy(base)
        for item in patch:
            name = item.get("name") if "metadata" not in item else item["metadata"]["name"]
            index = next((i for i, b in enumerate(out) if (b.get("name") or b.get("metadata", {}).get("name")) == name), None)
            if item.get("$patch") == "delete":
                if index is None:
                    raise LookupError(f"$patch: delete of {field}/{name}: no such item")
                out.pop(index)
            elif index is None:
                out.append(strip_directives(item))
            else:
                out[index] = strategic_merge(out[index], item, field)
        return out
    return strip_directives(copy.deepcopy(patch))


def strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_directives(v) for k, v in value.items() if k != "$patch" and v is not None}
    if isinstance(value, list):
        return [strip_directives(v) for v in value]
    return value


def json6902(doc: dict, op: dict) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
    node = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if op["op"] == "replace":
        if last not in node:
            raise LookupError(f"replace {op['path']}: no such field")
        node[last] = op["value"]
    elif op["op"] == "add":
        node[last] = op["value"]
    elif op["op"] == "remove":
        del node[last]
    else:
        raise Unsupported(f"JSON 6902 op {op['op']}")


def apply_image(docs: list[dict], image: dict) -> None:
    for d in docs:
        for container in pod_containers(d):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return doc["spec"]["template"]["spec"]
    if doc["kind"] == "Pod":
        return doc["spec"]
    return None


def pod_containers(doc: dict) -> list[dict]:
    spec = pod_spec(doc)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec.get("containers", [])]
