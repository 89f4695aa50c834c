"""runtime_env.yaml is read within bounds and never carries a credential, even inside a URL."""

from __future__ import annotations

import pytest

from rmjob.errors import UserError
from rmjob.runtime_env import PACKAGED_FILE, load_runtime_env


def test_packaged_runtime_env_equals_the_checkouts_editable_copy(repo_root):
    assert PACKAGED_FILE.read_bytes() == (repo_root / "runtime_env.yaml").read_bytes()


BAD = [
    ("env_vars:\n  PIP_INDEX_URL: https://user:pw@pypi.example/simple\n", "looks like a secret"),
    ("pip: ['git+https://oauth2:tok@git.example/x.git']\n", "pip.0 holds a URL with credentials"),
    ("env_vars: {1: x}\n", "not an environment variable name"),
    ("env_vars: {'A B': x}\n", "not an environment variable name"),
    ("env_vars: [\n", "not valid YAML"),
    ("env_vars: {A: 1}\nenv_vars: {A: 2}\n", "duplicate key 'env_vars'"),
    ("[" * 1000, "nested more than"),
    ("- a\n", "must be a YAML mapping"),
    # Found by tests/test_runtime_env_properties.py: a key YAML reads as a number broke the spec hash.
    ("pip: {'': null, 0E0: null}\n", "pip: key 0.0 is not a string"),
    ("config: {setup_timeout_seconds: 600, true: 1}\n", "config: key True is not a string"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_runtime_env_is_one_line_naming_the_file(tmp_path, text, expected):
    path = tmp_path / "runtime_env.yaml"
    path.write_text(text)
    with pytest.raises(UserError, match=expected) as caught:
        load_runtime_env(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert "pw@" not in str(caught.value) and "tok@" not in str(caught.value)


def test_binary_runtime_env_is_refused(tmp_path):
    path = tmp_path / "runtime_env.yaml"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(UserError, match="binary file"):
        load_runtime_env(path)


def test_empty_runtime_env_is_an_empty_mapping(tmp_path):
    path = tmp_path / "runtime_env.yaml"
    path.write_text("# nothing yet\n")
    assert load_runtime_env(path) == {}
