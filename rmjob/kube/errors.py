"""Turn API-server failures into one line that says what to do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from rmjob.errors import UserError, one_line


class NotFound(UserError):
    """The object asked for does not exist (callers may suggest near names)."""


class Unavailable(UserError):
    """The API server is unreachable or answered 5xx: worth retrying (a watch waits for it)."""


def _api_message(exc: object) -> str:
    """The Status message of an error answer; an HTML page or other non-JSON body, described."""
    from rmjob.kube.responses import describe_body

    body = getattr(exc, "body", None) or getattr(exc, "data", None)
    if isinstance(body, bytes):
        body = body.decode(errors="replace")
    if not body:
        return one_line(str(getattr(exc, "reason", exc)))
    try:
        status = json.loads(body)
    except ValueError:
        return describe_body(body)
    message = status.get("message") if isinstance(status, dict) else None
    return one_line(str(message), 300) if message else describe_body(body)


@contextmanager
def api_errors(server: str, what: str) -> Iterator[None]:
    """Map ApiException / connection errors raised inside the block to UserError lines."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        yield
    except ApiException as exc:
        message = _api_message(exc)
        if exc.status == 403:
            raise UserError(
                f"forbidden: {message}. Ask for the rm-cluster chart's rmjob Role "
                "(charts/rm-cluster, rbac.*) or a binding that grants it"
            ) from None
        if exc.status == 401:
            raise UserError(f"unauthorized at {server}: your kubeconfig credentials were refused") from None
        if exc.status == 404 and "the server could not find the requested resource" in message:
            raise UserError(
                "the KubeRay CRDs (rayjobs.ray.io) are not installed in this cluster: install the KubeRay "
                "operator (helm install rm-cluster charts/rm-cluster --set kuberay-operator.enabled=true)"
            ) from None
        if exc.status == 404:
            raise NotFound(f"{what}: {message}") from None
        if exc.status == 422 or exc.status == 400:
            raise UserError(f"the API server refused {what}: {message}") from None
        failure = Unavailable if exc.status >= 500 else UserError
        raise failure(
            f"{what} failed: the API server at {server} answered {exc.status} {exc.reason}: {message}"
        ) from None
    except HTTPError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise Unavailable(
            f"cannot reach the API server at {server} ({reason}); is the cluster up "
            "(`make sim-up` for the simulated one) and the kube context right?"
        ) from None
