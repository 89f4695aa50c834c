"""NOTES.txt tells a newcomer what was installed, how to check it, and the next command."""

from __future__ import annotations

from rmjob.platform import load_platform
from tests.chart.conftest import NAMESPACE, Helm, render_notes


def test_notes_name_the_cluster_how_to_check_it_and_the_next_make_command(notes_helm: Helm) -> None:
    notes = render_notes(notes_helm)
    assert 'RayCluster "rm-cluster" in namespace "rm-kit"' in notes
    assert "1 x aws-p4de (p4de.24xlarge): 8 x NVIDIA-A100-SXM4-80GB" in notes
    assert f"kubectl -n {NAMESPACE} get raycluster rm-cluster" in notes
    assert "port-forward svc/rm-cluster-head-svc 8265:8265" in notes
    assert f"kubectl -n {NAMESPACE} create secret generic rm-kit-secrets" in notes
    assert f"make train-pairwise NAMESPACE={NAMESPACE}" in notes


def test_notes_mention_the_optional_parts_only_when_enabled(notes_helm: Helm) -> None:
    assert "operator" not in render_notes(notes_helm).split("Check it:")[0]
    notes = render_notes(
        notes_helm,
        {"kuberay-operator": {"enabled": True}, "kueue": {"enabled": True}, "workers": {"nodes": 2}},
    )
    assert f"KubeRay operator {load_platform().versions.kuberay}" in notes
    assert 'LocalQueue "rm-kit"' in notes
    assert "2 x aws-p4de" in notes
