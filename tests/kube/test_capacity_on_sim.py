"""`rmjob check`'s cluster fit against the simulated cluster: real API server, real KubeRay operator,
the chart's RayCluster, KWOK nodes that advertise 8 A100s each."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.sim.conftest import SimCluster

pytestmark = pytest.mark.sim


def check(sim: SimCluster, spec: str, namespace: str) -> dict:
    result = sim.rmjob("check", spec, "-n", namespace, "-o", "json", "--skip-rule", "verl-startup")
    assert result.returncode in (0, 1), result.stderr
    return {r["rule"]: r for r in json.loads(result.stdout)["results"]}


def spec_file(tmp_path, name: str, **cluster) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"base": "pairwise", "name": name, "cluster": cluster}))
    return str(path)


def test_the_charts_raycluster_matches_the_preset_and_a_two_node_spec_is_refused(sim, chart_ns, tmp_path):
    ok = check(sim, "pairwise", chart_ns)
    assert (
        ok["cluster-shape"]["status"] == "pass"
        and "RayCluster rm-cluster has 1 x 8" in ok["cluster-shape"]["detail"]
    )
    assert ok["ray-versions-agree"]["status"] == "pass"
    two = check(sim, spec_file(tmp_path, "rm-two", nodes=2), chart_ns)
    assert two["cluster-shape"]["status"] == "fail" and "workers.nodes=2" in two["cluster-shape"]["fix"]


def test_an_ephemeral_run_needs_gpu_nodes_the_cluster_has(sim, chart_ns, tmp_path):
    one = check(sim, spec_file(tmp_path, "rm-eph", reuse=None, nodes=1), chart_ns)
    assert one["cluster-capacity"]["status"] == "pass"
    many = check(sim, spec_file(tmp_path, "rm-many", reuse=None, nodes=64), chart_ns)
    assert (
        many["cluster-capacity"]["status"] == "fail"
        and "such node(s) at all" in many["cluster-capacity"]["detail"]
    )


def test_a_namespace_without_the_chart_has_no_cluster_to_reuse(sim):
    with sim.namespace("rm-check-empty") as namespace:
        found = check(sim, "pairwise", namespace)
        assert found["cluster-shape"]["status"] == "fail" and "helm install" in found["cluster-shape"]["fix"]
