"""Values that would render a broken or unsafe RayJob are refused at load time, one line each."""

from __future__ import annotations

from typing import Any

import pytest

from rmjob.errors import UserError
from rmjob.spec import parse_spec, preset_names, resolve_data


def with_change(section: str, key: str, value: Any) -> dict[str, Any]:
    data, _ = resolve_data("pairwise")
    if section == "data":  # presets derive their files from the modes table: give both explicitly
        data["data"] = {"train_files": ["/mnt/data/t.parquet"], "val_files": ["/mnt/data/v.parquet"]}
    if section:
        data[section] = {**(data.get(section) or {}), key: value}
    else:
        data[key] = value
    return data


def refusal(section: str, key: str, value: Any) -> str:
    with pytest.raises(UserError) as caught:
        parse_spec(with_change(section, key, value))
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    return message


BAD: list[tuple[str, str, Any, str]] = [
    ("training", "lr", float("inf"), "finite"),
    ("training", "lr", float("nan"), "finite"),
    ("training", "kl_loss_coef", float("inf"), "finite"),
    ("training", "train_batch_size", True, "valid integer"),
    ("training", "train_batch_size", "96", "valid integer"),
    ("training", "train_batch_size", 96.0, "valid integer"),
    ("training", "use_kl_loss", "yes", "valid boolean"),
    ("training", "use_kl_loss", 1, "valid boolean"),
    ("cluster", "nodes", True, "valid integer"),
    ("cluster", "nodes", "2", "valid integer"),
    ("cluster", "image", "not a valid image", "image reference"),
    ("cluster", "image", "Registry/Trainer:1", "image reference"),
    ("cluster", "image", "rm-kit/trainer:bad tag", "image reference"),
    ("cluster", "submitter_image", "../x", "image reference"),
    ("cluster", "storage", {"data_claim": "../Etc_X"}, "PersistentVolumeClaim"),
    ("cluster", "storage", {"models_claim": "a" * 254}, "PersistentVolumeClaim"),
    ("logging", "wandb_secret", "My Secret", "Secret name"),
    ("logging", "wandb_secret_key", "key/with/slash", "Secret key"),
    ("data", "train_files", ["data/train.parquet"], "relative"),
    ("data", "val_files", ["../val.parquet"], "relative"),
    ("template", "rubric", "x" * 40_000, "at most"),
    ("template", "examples", ["an example"] * 33, "at most"),
    ("", "env", {"MIRROR": "https://user:pass@mirror.example/simple"}, "credentials"),
    ("", "env", {"DATA_URL": "https://bucket.example/x?X-Amz-Signature=abc"}, "credentials"),
    ("", "verl_overrides", ["trainer.x=https://u:p@host"], "credentials"),
    ("model", "path", "https://u:p@host/model", "credentials"),
]


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"), BAD, ids=[f"{s}.{k}-{e}" for s, k, _, e in BAD]
)
def test_bad_value_is_refused_with_one_line(section, key, value, expected):
    message = refusal(section, key, value)
    assert expected in message
    assert "pass@mirror" not in message and "u:p@" not in message  # never echo the credential


GOOD: list[tuple[str, str, Any]] = [
    ("cluster", "image", "ghcr.io/org/rm-kit-trainer:0.1.0"),
    ("cluster", "image", "localhost:5000/trainer"),
    ("cluster", "image", "registry.example.com/team/trainer@sha256:" + "a" * 64),
    ("cluster", "image", "trainer:1.0@sha256:" + "0" * 64),
    ("cluster", "storage", {"data_claim": "team.data-v2"}),
    ("training", "lr", 1),  # an int is a fine float
    ("data", "train_files", ["hdfs://namenode/data/train.parquet"]),
    ("", "env", {"MIRROR": "https://mirror.example/simple", "HTTP_PROXY": "http://proxy:3128"}),
]


@pytest.mark.parametrize(("section", "key", "value"), GOOD, ids=[f"{s}.{k}" for s, k, _ in GOOD])
def test_good_value_is_accepted(section, key, value):
    parse_spec(with_change(section, key, value))


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_passes_the_stricter_validation(preset):
    data, _ = resolve_data(preset)
    parse_spec(data, preset)


def test_a_huge_value_is_not_echoed_whole():
    message = refusal("training", "lr", "x" * 10_000)
    assert "..." in message
