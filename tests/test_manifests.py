from __future__ import annotations

import yaml

from devtools.manifests import MANIFESTS, expected_files
from tests.support.crd import validation_errors


def test_committed_manifests_match_a_fresh_render():
    expected = expected_files()
    generated = {p.name: p.read_text() for p in MANIFESTS.glob("*.yaml")}
    stale = sorted(name for name in expected if generated.get(name) != expected[name])
    assert not stale, f"manifests/ is out of date ({', '.join(stale)}): run `make manifests`"
    assert set(generated) == set(expected), (
        "unexpected files in manifests/: remove them or update the generator"
    )


def test_kustomization_lists_every_rendered_rayjob():
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        job = yaml.safe_load((MANIFESTS / resource).read_text())
        assert job["kind"] == "RayJob"
        assert validation_errors(job) == []


def test_gitops_examples_point_at_the_manifests_directory():
    argo = yaml.safe_load((MANIFESTS / "examples" / "argocd-application.yaml").read_text())
    assert argo["kind"] == "Application" and argo["spec"]["source"]["path"] == "manifests"
    assert "ServerSideApply=true" in argo["spec"]["syncPolicy"]["syncOptions"]
    flux = list(yaml.safe_load_all((MANIFESTS / "examples" / "flux-kustomization.yaml").read_text()))
    assert [d["kind"] for d in flux] == ["GitRepository", "Kustomization"]
    assert flux[1]["spec"]["path"] == "./manifests"
