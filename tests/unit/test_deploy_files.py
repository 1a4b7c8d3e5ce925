"""docker-compose.yml and deploy/ hang together: parsed and cross-checked, since no Docker engine or
Kubernetes cluster runs here (tests/integration/test_ops.py runs promtool and a real Prometheus)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from stream.settings import ENV, Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
WORKERS = ("worker-1", "worker-2")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def k8s() -> dict:
    docs = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            docs[(doc["kind"], doc.get("metadata", {}).get("name"))] = doc
    return docs


def test_compose_has_the_whole_stack(compose):
    services = compose["services"]
    assert {"kafka", "redis", "prometheus", "grafana", "topics", *WORKERS} <= set(services)
    kafka = services["kafka"]
    assert kafka["image"].split(":-", 1)[-1].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"      # KRaft, no ZooKeeper
    for name in ("topics", *WORKERS):
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    assert services["topics"]["command"] == ["topics"]
    for name in WORKERS:
        assert services[name]["command"] == ["worker"]
        assert services[name]["depends_on"]["topics"]["condition"] == "service_completed_successfully"


def test_compose_workers_take_every_setting_from_the_environment(compose):
    for name in WORKERS:
        env = compose["services"][name]["environment"]
        assert set(ENV.values()) <= set(env), set(ENV.values()) - set(env)
        assert env["SHIPGUARD_BROKER"] == "${SHIPGUARD_BROKER:-kafka://kafka:9092}"
        assert env["SHIPGUARD_METRICS_PORT"] == "9464" and env["SHIPGUARD_METRICS_HOST"] == "0.0.0.0"


def test_compose_publishes_on_loopback_only(compose):
    published = [p for s in compose["services"].values() for p in s.get("ports", [])]
    assert published and all(p.startswith("127.0.0.1:") for p in published), published
    assert {compose["services"][w]["ports"][0] for w in WORKERS} == {"127.0.0.1:9464:9464", "127.0.0.1:9465:9464"}


def test_compose_mounts_exist(compose):
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source


def test_prometheus_scrapes_the_compose_workers():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "shipguard" and job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == [f"{w}:9464" for w in WORKERS]
    assert config["rule_files"] == ["alerts.yml"]


def test_dockerfile():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert re.search(r"^USER 10001$", text, re.M) and "pip install ." in text
    assert 'ENTRYPOINT ["shipguard"]' in text and 'CMD ["worker"]' in text


def test_k8s_deployment_probes_and_settings(k8s):
    deployment = k8s[("Deployment", "shipguard-worker")]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    config = k8s[("ConfigMap", "shipguard-settings")]["data"]
    assert container["ports"] == [{"name": "metrics", "containerPort": int(config["SHIPGUARD_METRICS_PORT"])}]
    assert config["SHIPGUARD_METRICS_HOST"] == "0.0.0.0"
    assert pod["securityContext"]["runAsNonRoot"] and not container["securityContext"]["allowPrivilegeEscalation"]
    refs = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    assert refs == {"shipguard-settings", "shipguard-secrets"} and ("Secret", "shipguard-secrets") in k8s
    assert deployment["spec"]["selector"]["matchLabels"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


def test_k8s_settings_are_known_variables(k8s):
    known = set(ENV.values())
    names = set(k8s[("ConfigMap", "shipguard-settings")]["data"]) | set(k8s[("Secret", "shipguard-secrets")]["stringData"])
    for kind_name in (("Deployment", "shipguard-worker"), ("Job", "shipguard-topics")):
        container = k8s[kind_name]["spec"]["template"]["spec"]["containers"][0]
        names |= {e["name"] for e in container.get("env", [])}
    assert names <= known, names - known
    assert "SHIPGUARD_KAFKA_SASL_PASSWORD" not in k8s[("ConfigMap", "shipguard-settings")]["data"]


def test_k8s_service_and_kustomization(k8s):
    service = k8s[("Service", "shipguard-metrics")]
    labels = k8s[("Deployment", "shipguard-worker")]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "metrics"
    listed = set(yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}


def metric_names() -> set[str]:
    """Every sample name the worker's registry can expose (Faust's sensor's too), plus Prometheus' own `up`."""
    from stream.service.worker import build
    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}
    registry = build(Settings(app_id="names", redis_url=""))[1].registry
    return {"up"} | {family.name + s for family in registry.collect() for s in suffixes[family.type]}


def referenced(text: str) -> set[str]:
    return set(re.findall(r"\b(shipguard_[a-z_]+|up)\{", text))


def test_alerts_and_dashboard_name_only_real_metrics():
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs = [rule["expr"] for group in alerts["groups"] for rule in group["rules"]]
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "shipguard.json").read_text())
    exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    names = set().union(*(referenced(e) for e in exprs))
    assert names <= metric_names(), names - metric_names()
    assert {"shipguard_consumer_lag_messages", "shipguard_watermark_lag_seconds", "shipguard_dead_letters_total",
            "shipguard_violations_total", "shipguard_faust_consumer_commit_latency_bucket"} <= names


def test_grafana_provisioning_points_at_the_dashboard():
    ds = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = ds["datasources"][0]["uid"]
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "shipguard.json").read_text())
    assert {p["datasource"]["uid"] for p in dashboard["panels"]} == {uid}
    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "shipguard.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/etc/grafana/dashboards"


def test_the_dashboard_picks_its_job_and_workers():
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "shipguard.json").read_text())
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["job", "worker"]
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            assert 'job="$job", instance=~"$worker"' in target["expr"], target["expr"]
