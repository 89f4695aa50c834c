"""API-server failures become one line; the retryable ones are marked so a watch waits them out."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import NewConnectionError

from rmjob.errors import UserError
from rmjob.kube.errors import NotFound, Unavailable, api_errors

SERVER = "https://127.0.0.1:6443"


def raised(exc: Exception) -> UserError:
    with pytest.raises(UserError) as info, api_errors(SERVER, "getting RayJob x"):
        raise exc
    return info.value


def api_exception(status: int, message: str) -> ApiException:
    exc = ApiException(status=status, reason="r")
    exc.body = json.dumps({"message": message})
    return exc


def test_a_restarting_server_answering_503_is_retryable():
    error = raised(
        api_exception(503, "the request has been made before all known HTTP paths have been installed")
    )
    assert isinstance(error, Unavailable)
    assert "503" in str(error) and "HTTP paths" in str(error)


def test_a_refused_connection_is_retryable_and_says_how_to_start_the_sim():
    error = raised(NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
    assert isinstance(error, Unavailable)
    assert str(error).startswith(f"cannot reach the API server at {SERVER}") and "make sim-up" in str(error)


def test_client_errors_are_not_retried():
    assert not isinstance(raised(api_exception(422, "spec.entrypoint: Required value")), Unavailable)
    assert isinstance(raised(api_exception(404, 'rayjobs.ray.io "x" not found')), NotFound)


def test_missing_crds_name_the_operator_to_install():
    error = raised(api_exception(404, "the server could not find the requested resource"))
    assert "KubeRay CRDs (rayjobs.ray.io) are not installed" in str(error)
    assert "kuberay-operator.enabled=true" in str(error)


def test_forbidden_points_at_the_charts_role():
    error = raised(api_exception(403, 'rayjobs.ray.io is forbidden: User "ci" cannot create'))
    assert "forbidden" in str(error) and "rmjob Role" in str(error)
