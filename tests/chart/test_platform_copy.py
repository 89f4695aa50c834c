"""The chart reads the kit's single source of truth from its own copy of platform.yaml."""

from __future__ import annotations

import json

import yaml

from rmjob.platform import PLATFORM_FILE, load_platform
from tests.chart.conftest import CHART_DIR


def test_chart_platform_yaml_is_a_byte_for_byte_copy_of_rmjob_platform_yaml() -> None:
    copy = CHART_DIR / "platform.yaml"
    assert copy.read_bytes() == PLATFORM_FILE.read_bytes(), (
        "charts/rm-cluster/platform.yaml drifted from rmjob/platform.yaml: run `make sync`"
    )


def test_schema_offers_exactly_the_platform_node_shapes() -> None:
    schema = json.loads((CHART_DIR / "values.schema.json").read_text())
    offered = schema["properties"]["workers"]["properties"]["nodeShape"]["enum"]
    assert offered == ["", *load_platform().node_shapes], "update values.schema.json workers.nodeShape"


def test_chart_app_version_is_the_platform_image_tag() -> None:
    meta = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())
    assert meta["appVersion"] == load_platform().images.tag


def test_schema_refuses_literals_for_exactly_the_platform_secret_keys() -> None:
    schema = json.loads((CHART_DIR / "values.schema.json").read_text())
    refused = schema["properties"]["env"]["items"]["properties"]["name"]["not"]["enum"]
    assert refused == list(load_platform().secrets.keys), "update values.schema.json env.items.name"


def test_schema_node_cap_is_the_run_specs() -> None:
    from rmjob.spec import MAX_NODES

    schema = json.loads((CHART_DIR / "values.schema.json").read_text())
    assert schema["properties"]["workers"]["properties"]["nodes"]["maximum"] == MAX_NODES
