"""The seed's data_config.yaml through ``rmjob data helpsteer2 --config`` on the synthetic sample."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from rmjob.data.seed_config import HUB_REPO, load_seed_config
from rmjob.errors import UserError


def seed_config(tmp_path: Path, **changes: Any) -> Path:
    """A data_config.yaml shaped like the seed's (examples/train/pointwise/data_config.yaml)."""
    configs = {"type": "local", "source": "helpsteer2_pointwise", "path": "hs2/train.jsonl.gz"}
    export = {
        "output_dir": "./exports",
        "formats": ["parquet"],
        "preserve_structure": True,
        "split_ratio": {"train": 0.8, "test": 0.2},
    }
    dataset = {"name": "helpsteer2_pointwise", "configs": configs, "export": export}
    for dotted, value in changes.items():
        section, _, key = dotted.rpartition("__")
        node = {"": dataset, "configs": configs, "export": export}[section]
        if value is None:
            node.pop(key, None)
        else:
            node[key] = value
    path = tmp_path / "data_config.yaml"
    path.write_text(yaml.safe_dump({"dataset": dataset}))
    return path


def rmjob_data(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmjob.cli", "data", "helpsteer2", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def workdir(tmp_path: Path, synthetic_dir: Path) -> Path:
    """The seed runs from its repository root with relative paths; so do these tests."""
    shutil.copytree(synthetic_dir, tmp_path / "hs2")
    return tmp_path


def test_the_seeds_pointwise_config_converts_with_a_limit_into_every_format(workdir: Path) -> None:
    config = seed_config(workdir, configs__limit=150, export__formats=["parquet", "jsonl", "json"])
    result = rmjob_data("--config", str(config), cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "helpsteer2 pointwise: read 150 rows" in result.stdout
    assert "prompts in both splits: 0" in result.stdout

    exports = workdir / "exports"
    assert sorted(p.name for p in exports.iterdir()) == [
        f"helpsteer2_pointwise_{split}.{fmt}"
        for split in ("test", "train")
        for fmt in ("json", "jsonl", "parquet")
    ]
    total = 0
    for split in ("train", "test"):
        table = pq.read_table(exports / f"helpsteer2_pointwise_{split}.parquet").to_pylist()
        lines = (exports / f"helpsteer2_pointwise_{split}.jsonl").read_text().splitlines()
        array = json.loads((exports / f"helpsteer2_pointwise_{split}.json").read_text())
        assert [json.loads(line) for line in lines] == array == table
        total += len(table)
    assert total == 150


def test_pairwise_without_preserve_structure_is_named_by_the_dataset_name(workdir: Path) -> None:
    config = seed_config(
        workdir,
        name="hs2_pairs",
        configs__source="helpsteer2_pairwise",
        configs__path="hs2/preference/preference.jsonl.gz",
        export__preserve_structure=False,
        export__split_ratio={"train": 0.5, "test": 0.5},
    )
    result = rmjob_data("--config", str(config), "--ties", "drop", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (workdir / "exports").iterdir()) == [
        "hs2_pairs_test.parquet",
        "hs2_pairs_train.parquet",
    ]
    assert "ties: 0 pairs kept" in result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_hub_is_one_line_and_writes_nothing(workdir: Path) -> None:
    config = seed_config(workdir, configs__type="huggingface", configs__path=None)
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = rmjob_data(
        "--config", str(config), cwd=workdir, env={"HF_ENDPOINT": endpoint, "HF_HOME": str(workdir / "hf")}
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"cannot reach the Hugging Face hub at {endpoint}" in result.stderr
    assert "type: local with path:" in result.stderr
    assert not (workdir / "exports").exists()


class HubMirror(http.server.BaseHTTPRequestHandler):
    """The two requests huggingface_hub's hf_hub_download makes of an HF_ENDPOINT: the repository
    page (our reachability probe) and HEAD/GET of ``/datasets/<repo>/resolve/<revision>/<file>``,
    answered with the headers it reads (X-Repo-Commit, ETag, Content-Length)."""

    root: Path
    commit = "0123456789abcdef0123456789abcdef01234567"

    def _file(self) -> Path | None:
        prefix = f"/datasets/{HUB_REPO}/resolve/"
        if not self.path.startswith(prefix):
            return None
        name = self.path[len(prefix) :].split("/", 1)[1]
        path = self.root / name
        return path if path.is_file() else None

    def _answer(self, body: bool) -> None:
        if self.path == f"/api/datasets/{HUB_REPO}":
            data = json.dumps({"id": HUB_REPO, "sha": self.commit}).encode()
            self._send(200, data, {"Content-Type": "application/json"}, body)
            return
        path = self._file()
        if path is None:
            self._send(404, b"not found", {"X-Error-Code": "EntryNotFound"}, body)
            return
        data = path.read_bytes()
        headers = {"X-Repo-Commit": self.commit, "ETag": f'"{hashlib.sha1(data).hexdigest()}"'}
        self._send(200, data, headers, body)

    def _send(self, status: int, data: bytes, headers: dict[str, str], body: bool) -> None:
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(body=True)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def hub_mirror(synthetic_dir: Path) -> Iterator[str]:
    handler = type("Mirror", (HubMirror,), {"root": synthetic_dir})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_huggingface_type_downloads_through_hf_endpoint(workdir: Path, hub_mirror: str) -> None:
    config = seed_config(
        workdir,
        configs__type="huggingface",
        configs__path=None,
        configs__source="helpsteer2_pairwise",
        name="helpsteer2_pairwise",
    )
    env = {"HF_ENDPOINT": hub_mirror, "HF_HOME": str(workdir / "hf"), "HF_HUB_OFFLINE": "0"}
    result = rmjob_data("--config", str(config), cwd=workdir, env=env)
    assert result.returncode == 0, result.stderr
    assert "helpsteer2 pairwise: read 112 rows" in result.stdout
    assert (workdir / "exports" / "helpsteer2_pairwise_train.parquet").is_file()


def test_huggingface_type_reads_a_local_copy_of_the_hub_repository(workdir: Path) -> None:
    config = seed_config(workdir, configs__type="huggingface", configs__path="hs2")
    result = rmjob_data("--config", str(config), cwd=workdir, env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr
    assert "helpsteer2 pointwise: read 240 rows from hs2" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"export__split_ratio": None}, "split_ratio is missing: rmjob always writes a train and a test"),
        ({"export__split_ratio": {"train": 0.8, "test": 0.1}}, "must lie between 0 and 1 and add up to 1"),
        ({"configs__source": "rewardbench2"}, "not a HelpSteer2 converter rmjob has"),
        ({"export__formats": ["csv"]}, "choose from parquet, jsonl, json"),
        ({"configs__type": "s3"}, "use local or huggingface"),
        ({"configs__limit": 0}, "use a positive number of rows"),
        ({"configs__huggingface_split": "train"}, "configs.huggingface_split is not a key rmjob reads"),
        ({"configs__path": None}, "path is missing (type: local"),
    ],
)
def test_what_rmjob_cannot_honour_is_refused_naming_the_key(
    tmp_path: Path, change: dict, message: str
) -> None:
    with pytest.raises(UserError) as refused:
        load_seed_config(seed_config(tmp_path, **change))
    assert message in str(refused.value)


def test_config_with_a_limit_on_a_directory_is_refused(workdir: Path) -> None:
    config = seed_config(workdir, configs__path="hs2", configs__limit=10)
    result = rmjob_data("--config", str(config), cwd=workdir)
    assert result.returncode == 2 and "limit needs path: to be one file" in result.stderr
    assert not list((workdir / "exports").iterdir())


def test_config_and_the_flags_it_replaces_are_not_mixed(workdir: Path) -> None:
    config = seed_config(workdir)
    result = rmjob_data("--config", str(config), "--mode", "pairwise", "--train-ratio", "0.5", cwd=workdir)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "drop --mode, --train-ratio or drop --config" in result.stderr
    missing = rmjob_data("--mode", "pairwise", cwd=workdir)
    assert missing.returncode == 2 and "missing --src, --out" in missing.stderr
