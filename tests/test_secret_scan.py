"""Credentials are recognised as literals and inside URLs; plain URLs and paths are not."""

from __future__ import annotations

import pytest

from rmjob.secret_scan import credential_paths, secret_looking, url_with_credentials

WITH_CREDENTIALS = [
    "https://user:pass@host/x",
    "postgres://app:hunter2@db:5432/runs",
    "https://ghp_" + "a" * 36 + "@github.com/org/repo",
    "https://host/x?token=abc",
    "https://host/x?api_key=abc&y=1",
    "https://bucket.s3.example/x?X-Amz-Signature=ab12",
    "https://acct.blob.example/c?sv=2024&sig=abc",
    "pip install git+https://oauth2:tok@gitlab.example/x.git",
]
WITHOUT = [
    "https://host/path",
    "https://user@host/",
    "http://proxy:3128",
    "git@github.com:org/repo.git",
    "https://host/x?monkey=1",
    "/mnt/data/train.parquet",
]


@pytest.mark.parametrize("text", WITH_CREDENTIALS)
def test_url_with_credentials_is_a_secret_whatever_the_name(text):
    assert url_with_credentials(text) and secret_looking("MIRROR", text)


@pytest.mark.parametrize("text", WITHOUT)
def test_plain_urls_and_paths_are_not_secrets(text):
    assert not url_with_credentials(text) and not secret_looking("MIRROR", text)


def test_credential_paths_name_where_in_nested_data():
    data = {"pip": ["numpy", "git+https://u:p@host/x"], "env_vars": {"A": "https://host"}}
    assert credential_paths(data) == ["pip.1"]
