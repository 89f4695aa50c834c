from __future__ import annotations

from collections.abc import Iterator

import pytest

from sim import api
from tests.sim.conftest import SimCluster, sim  # noqa: F401  (the session's simulated cluster)


@pytest.fixture(scope="module")
def chart_ns(sim: SimCluster) -> Iterator[str]:  # noqa: F811
    """A namespace with `helm install rm-cluster charts/rm-cluster` in it (the long-lived cluster)."""
    with sim.namespace("rmjob") as namespace:
        installed = sim.helm("install", "rm-cluster", "charts/rm-cluster", "-n", namespace)
        assert installed.returncode == 0, installed.stderr
        api.replenish_volumes(sim.api)
        yield namespace
