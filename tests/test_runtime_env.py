from __future__ import annotations

from rmjob.runtime_env import PACKAGED_FILE


def test_packaged_runtime_env_equals_the_checkouts_editable_copy(repo_root):
    assert PACKAGED_FILE.read_bytes() == (repo_root / "runtime_env.yaml").read_bytes()
