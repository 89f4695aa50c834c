"""``rmjob eval submit`` against the simulated cluster: a real API server with KubeRay's CRDs accepts it."""

from __future__ import annotations

import pytest

from tests.sim.conftest import SimCluster, sim  # noqa: F401  (the session's simulated cluster)

pytestmark = pytest.mark.sim
ARGS = ("eval", "submit", "--bench", "helpsteer2", "--run", "rm-pairwise-0123abcd", "--spec", "pairwise")


def test_eval_submit_is_accepted_by_the_server_and_reapplies_as_unchanged(sim: SimCluster) -> None:  # noqa: F811
    with sim.namespace("rmjob-eval") as namespace:
        dry = sim.rmjob(*ARGS, "--dry-run", "server", "-n", namespace)
        assert dry.returncode == 0 and "created (server dry run)" in dry.stdout, dry.stderr

        first = sim.rmjob(*ARGS, "-n", namespace)
        assert first.returncode == 0 and " created " in first.stdout, first.stderr
        name = first.stdout.split()[0].split("/")[1]
        job = sim.get_ray(namespace, "rayjobs", name)
        assert job["spec"]["entrypointNumGpus"] == 1
        assert job["spec"]["clusterSelector"] == {"ray.io/cluster": "rm-cluster"}
        assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "evaluation"

        again = sim.rmjob(*ARGS, "-n", namespace)
        assert " unchanged " in again.stdout, again.stderr
