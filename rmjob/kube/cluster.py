"""The one place rmjob talks to the API server (the official ``kubernetes`` client).

Objects travel as JSON dicts (``_preload_content=False``): one shape for custom and core
resources, and no model deserialisation on large lists. Every call maps failures to one-line
``UserError``s (see ``rmjob.kube.errors``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rmjob.errors import UserError
from rmjob.kube.errors import NotFound, Unavailable, api_errors

GROUP, VERSION, PLURAL = "ray.io", "v1", "rayjobs"
FIELD_MANAGER = "rmjob"
# Connect fast and fail fast: a CLI should not hang on an unreachable server.
TIMEOUT = (5, 60)
# A followed log may stay quiet for long (model loading, a long validation); the client wants a number.
FOLLOW_IDLE_S = 7 * 24 * 3600


def _json(response: Any) -> Any:
    return json.loads(response.data or b"null")


@dataclass
class Cluster:
    api_client: Any
    namespace: str
    context: str
    server: str
    # Counts API requests (the watch benchmark reports them).
    requests: int = 0

    # -- connection -------------------------------------------------------------------------
    @classmethod
    def connect(cls, context: str | None = None, namespace: str | None = None) -> Cluster:
        """Kubeconfig rules as kubectl: $KUBECONFIG or ~/.kube/config, the current or given context."""
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        configuration = client.Configuration()
        try:
            contexts, current = config.list_kube_config_contexts()
            chosen = next((c for c in contexts if c["name"] == context), None) if context else current
            if chosen is None:
                names = ", ".join(c["name"] for c in contexts)
                raise UserError(f"kube context {context!r} not found in your kubeconfig (contexts: {names})")
            config.load_kube_config(context=chosen["name"], client_configuration=configuration)
        except (ConfigException, FileNotFoundError, TypeError) as exc:
            where = os.environ.get("KUBECONFIG") or "~/.kube/config"
            raise UserError(
                f"no usable kube context in {where} ({str(exc).splitlines()[0]}): set KUBECONFIG or "
                "pass --context; `make sim-up` starts a local simulated cluster"
            ) from None
        configuration.retries = 1
        ns = namespace or chosen.get("context", {}).get("namespace") or "default"
        return cls(client.ApiClient(configuration), ns, chosen["name"], configuration.host)

    def _custom(self) -> Any:
        from kubernetes import client

        self.requests += 1
        return client.CustomObjectsApi(self.api_client)

    def _core(self) -> Any:
        from kubernetes import client

        self.requests += 1
        return client.CoreV1Api(self.api_client)

    # -- RayJobs ----------------------------------------------------------------------------
    def apply(self, obj: dict[str, Any], dry_run: bool = False) -> tuple[dict[str, Any], str]:
        """Server-side apply; returns the object and kubectl's verb (created/configured/unchanged)."""
        name = obj["metadata"]["name"]
        try:
            before: dict[str, Any] | None = self.get_rayjob(name)
        except NotFound:
            before = None
        with api_errors(self.server, f"applying RayJob {name}"):
            response = self._custom().patch_namespaced_custom_object(
                GROUP,
                VERSION,
                self.namespace,
                PLURAL,
                name,
                obj,
                field_manager=FIELD_MANAGER,
                force=True,
                dry_run="All" if dry_run else None,
                _content_type="application/apply-patch+yaml",
                _preload_content=False,
                _request_timeout=TIMEOUT,
            )
        after = _json(response)
        if before is None:
            verb = "created"
        # generation moves with spec changes only (the operator's status writes do not count).
        elif before["metadata"].get("generation") == after["metadata"].get("generation"):
            verb = "unchanged"
        else:
            verb = "configured"
        return after, verb

    def get_rayjob(self, name: str) -> dict[str, Any]:
        with api_errors(self.server, f"RayJob {name!r} in namespace {self.namespace}"):
            return _json(
                self._custom().get_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    self.namespace,
                    PLURAL,
                    name,
                    _preload_content=False,
                    _request_timeout=TIMEOUT,
                )
            )

    def list_rayjobs(self, label_selector: str | None = None) -> dict[str, Any]:
        """The RayJob list (items and metadata.resourceVersion, for a watch to start from)."""
        with api_errors(self.server, f"listing RayJobs in namespace {self.namespace}"):
            return _json(
                self._custom().list_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    self.namespace,
                    PLURAL,
                    label_selector=label_selector,
                    _preload_content=False,
                    _request_timeout=TIMEOUT,
                )
            )

    def patch_rayjob(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        with api_errors(self.server, f"patching RayJob {name}"):
            return _json(
                self._custom().patch_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    self.namespace,
                    PLURAL,
                    name,
                    patch,
                    _content_type="application/merge-patch+json",
                    _preload_content=False,
                    _request_timeout=TIMEOUT,
                )
            )

    def delete_rayjob(self, name: str) -> None:
        with api_errors(self.server, f"deleting RayJob {name}"):
            self._custom().delete_namespaced_custom_object(
                GROUP,
                VERSION,
                self.namespace,
                PLURAL,
                name,
                propagation_policy="Background",
                _preload_content=False,
                _request_timeout=TIMEOUT,
            )

    def watch_rayjob(
        self, name: str, resource_version: str, stop: Callable[[dict[str, Any]], bool], timeout_s: int = 3600
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Events of one RayJob from ``resource_version`` on, over a single watch stream.

        A dropped connection (API server restart) resumes from the last resourceVersion seen, so
        no event is lost; a 410 Gone (history compacted) re-reads the object and goes on from it.
        """
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        rv = resource_version
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with api_errors(self.server, f"watching RayJob {name}"):
                    response = self._custom().list_namespaced_custom_object(
                        GROUP,
                        VERSION,
                        self.namespace,
                        PLURAL,
                        field_selector=f"metadata.name={name}",
                        watch=True,
                        resource_version=rv,
                        allow_watch_bookmarks=True,
                        timeout_seconds=max(1, int(deadline - time.monotonic())),
                        _preload_content=False,
                        _request_timeout=(5, timeout_s + 30),
                    )
                    for line in _stream_lines(response):
                        event = json.loads(line)
                        obj = event.get("object") or {}
                        if event.get("type") == "ERROR":
                            if obj.get("code") == 410:
                                raise _Gone()
                            raise UserError(f"watch of RayJob {name} failed: {obj.get('message')}")
                        rv = obj.get("metadata", {}).get("resourceVersion", rv)
                        if event["type"] == "BOOKMARK":
                            continue
                        yield event["type"], obj
                        if event["type"] == "DELETED" or stop(obj):
                            return
                # The stream ended without an error (timeout, or a server going away cleanly):
                # watch again from the last resourceVersion until the deadline.
            except _Gone:
                current = self.get_rayjob(name)
                rv = current["metadata"]["resourceVersion"]
                yield "MODIFIED", current
                if stop(current):
                    return
            except Unavailable:
                # Dropped stream, or a restarted server still installing its CRD paths (503).
                time.sleep(1)
                _wait_for_server(self)
            except (HTTPError, ApiException, OSError):
                _wait_for_server(self)

    # -- pods, logs, events -----------------------------------------------------------------
    def list_pods(self, label_selector: str) -> list[dict[str, Any]]:
        with api_errors(self.server, f"listing pods ({label_selector})"):
            return _json(
                self._core().list_namespaced_pod(
                    self.namespace,
                    label_selector=label_selector,
                    _preload_content=False,
                    _request_timeout=TIMEOUT,
                )
            )["items"]

    def list_events(self) -> list[dict[str, Any]]:
        with api_errors(self.server, f"listing events in namespace {self.namespace}"):
            return _json(
                self._core().list_namespaced_event(
                    self.namespace, _preload_content=False, _request_timeout=TIMEOUT
                )
            )["items"]

    def pod_log(self, pod: str, container: str | None = None, tail_lines: int | None = None) -> str:
        with api_errors(self.server, f"logs of pod {pod}"):
            response = self._core().read_namespaced_pod_log(
                pod,
                self.namespace,
                container=container,
                tail_lines=tail_lines,
                _preload_content=False,
                _request_timeout=TIMEOUT,
            )
            return (response.data or b"").decode(errors="replace")

    def follow_pod_log(self, pod: str, container: str | None = None) -> Iterator[str]:
        with api_errors(self.server, f"logs of pod {pod}"):
            response = self._core().read_namespaced_pod_log(
                pod,
                self.namespace,
                container=container,
                follow=True,
                _preload_content=False,
                _request_timeout=(5, FOLLOW_IDLE_S),
            )
            yield from _stream_lines(response)


class _Gone(Exception):
    """The watch's resourceVersion is too old (HTTP 410)."""


def _stream_lines(response: Any) -> Iterator[str]:
    pending = b""
    for chunk in response.stream(amt=None, decode_content=False):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                yield line.decode(errors="replace")
    if pending.strip():
        yield pending.decode(errors="replace")


def _wait_for_server(cluster: Cluster, attempts: int = 60) -> None:
    """After a dropped stream, wait (up to a minute) until the API server answers again."""
    from kubernetes import client

    for _ in range(attempts):
        try:
            cluster.requests += 1
            client.VersionApi(cluster.api_client).get_code(_request_timeout=(2, 5))
            return
        except Exception:  # any failure means "not back yet"
            time.sleep(1)
    raise UserError(f"lost the API server at {cluster.server} and it did not come back within {attempts} s")
