"""Which Ray dashboard a command uses: --ray-address, else $RAY_ADDRESS unless -n/--context is given."""

from __future__ import annotations

from rmjob.rayjobs.client import address_from


def test_the_flag_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "http://127.0.0.1:1")
    assert address_from("http://127.0.0.1:2") == "http://127.0.0.1:2"


def test_the_environment_is_used_without_kubernetes_flags(monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "http://127.0.0.1:1")
    assert address_from(None) == "http://127.0.0.1:1"
    assert address_from(None, kube_flags_given=True) is None


def test_no_address_means_kubernetes(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert address_from(None) is None
