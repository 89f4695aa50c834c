"""The one place rmjob talks to the API server (the official ``kubernetes`` client).

Objects travel as JSON dicts (``_preload_content=False``): one shape for custom and core
resources, and no model deserialisation on large lists. Every call maps failures to one-line
``UserError``s (see ``rmjob.kube.errors``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from rmjob.errors import UserError
from rmjob.kube.errors import NotFound, Unavailable, api_errors
from rmjob.kube.responses import decode_json, expect_list, expect_object, watch_event

GROUP, VERSION, PLURAL = "ray.io", "v1", "rayjobs"
FIELD_MANAGER = "rmjob"
# Connect fast and fail fast: a CLI should not hang on an unreachable server.
TIMEOUT = (5, 60)
# A followed log may stay quiet for long (model loading, a long validation); the client wants a number.
FOLLOW_IDLE_S = 7 * 24 * 3600
# A watch with bookmarks hears from the API server about once a minute; longer silence is a stalled
# stream (a proxy holding a dead connection), so it is re-opened from the last resourceVersion.
WATCH_IDLE_S = 90.0


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

        from rmjob.kube.kubeconfig import check_kubeconfig

        check_kubeconfig(context)
        configuration = client.Configuration()
        try:
            # $KUBECONFIG as it is now: the client reads it once, when it is first imported.
            kubeconfig = os.environ.get("KUBECONFIG") or None
            contexts, current = config.list_kube_config_contexts(config_file=kubeconfig)
            chosen = next((c for c in contexts if c["name"] == context), None) if context else current
            if chosen is None:
                names = ", ".join(c["name"] for c in contexts)
                raise UserError(f"kube context {context!r} not found in your kubeconfig (contexts: {names})")
            config.load_kube_config(
                config_file=kubeconfig, context=chosen["name"], client_configuration=configuration
            )
        # The client indexes into the file's contents: a malformed entry surfaces as any of these.
        except (ConfigException, OSError, TypeError, ValueError, KeyError, AttributeError) as exc:
            where = os.environ.get("KUBECONFIG") or "~/.kube/config"
            raise UserError(
                f"no usable kube context in {where} ({str(exc).splitlines()[0]}): set KUBECONFIG or "
                "pass --context; `make sim-up` starts a local simulated cluster"
            ) from None
        configuration.retries = 1
        ns = namespace or chosen.get("context", {}).get("namespace") or "default"
        return cls(client.ApiClient(configuration), ns, chosen["name"], configuration.host)

    def call(
        self,
        what: str,
        api: str,
        method: str,
        *args: Any,
        timeout: tuple[float, float] = TIMEOUT,
        stream: bool = False,
        shape: Literal["object", "list"] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Every request to the API server goes through here.

        ``api`` names a ``kubernetes.client`` API class (``CustomObjectsApi``, ``CoreV1Api``,
        ``VersionApi``), ``method`` one of its calls. This one place counts the request, sets the
        timeout, and turns failures into one-line ``UserError``s saying ``what`` was being done. The
        answer is the decoded JSON, checked to be a Kubernetes object or list when ``shape`` says so
        (anything else the server sends is one line naming it), or with ``stream=True`` the open
        response (see ``stream_lines``).
        """
        from kubernetes import client

        self.requests += 1
        endpoint = getattr(client, api)(self.api_client)
        with api_errors(self.server, what):
            response = getattr(endpoint, method)(
                *args, _preload_content=False, _request_timeout=timeout, **kwargs
            )
        if stream:
            return response
        data = decode_json(response.data, self.server, what)
        if shape == "object":
            return expect_object(data, self.server, what)
        return expect_list(data, self.server, what) if shape == "list" else data

    def _rayjobs(self, what: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.call(
            what, "CustomObjectsApi", method, GROUP, VERSION, self.namespace, PLURAL, *args, **kwargs
        )

    # -- RayJobs ----------------------------------------------------------------------------
    def apply(self, obj: dict[str, Any], dry_run: bool = False) -> tuple[dict[str, Any], str]:
        """Server-side apply; returns the object and kubectl's verb (created/configured/unchanged)."""
        name = obj["metadata"]["name"]
        try:
            before: dict[str, Any] | None = self.get_rayjob(name)
        except NotFound:
            before = None
        after = self._rayjobs(
            f"applying RayJob {name}",
            "patch_namespaced_custom_object",
            name,
            obj,
            field_manager=FIELD_MANAGER,
            force=True,
            dry_run="All" if dry_run else None,
            _content_type="application/apply-patch+yaml",
            shape="object",
        )
        if before is None:
            verb = "created"
        # generation moves with spec changes only (the operator's status writes do not count).
        elif before["metadata"].get("generation") == after["metadata"].get("generation"):
            verb = "unchanged"
        else:
            verb = "configured"
        return after, verb

    def get_rayjob(self, name: str) -> dict[str, Any]:
        return self._rayjobs(
            f"RayJob {name!r} in namespace {self.namespace}",
            "get_namespaced_custom_object",
            name,
            shape="object",
        )

    def list_rayjobs(self, label_selector: str | None = None) -> dict[str, Any]:
        """The RayJob list (items and metadata.resourceVersion, for a watch to start from)."""
        return self._rayjobs(
            f"listing RayJobs in namespace {self.namespace}",
            "list_namespaced_custom_object",
            label_selector=label_selector,
            shape="list",
        )

    def patch_rayjob(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        return self._rayjobs(
            f"patching RayJob {name}",
            "patch_namespaced_custom_object",
            name,
            patch,
            _content_type="application/merge-patch+json",
            shape="object",
        )

    def delete_rayjob(self, name: str) -> None:
        self._rayjobs(
            f"deleting RayJob {name}",
            "delete_namespaced_custom_object",
            name,
            propagation_policy="Background",
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
        what = f"watching RayJob {name}"
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                response = self._rayjobs(
                    what,
                    "list_namespaced_custom_object",
                    field_selector=f"metadata.name={name}",
                    watch=True,
                    resource_version=rv,
                    allow_watch_bookmarks=True,
                    timeout_seconds=max(1, int(remaining)),
                    # The read timeout bounds silence, so a stalled stream cannot outlive the deadline.
                    timeout=(min(5.0, remaining), max(0.5, min(remaining, WATCH_IDLE_S))),
                    stream=True,
                )
                with api_errors(self.server, what):
                    for line in stream_lines(response):
                        event = watch_event(line, self.server, what)
                        obj = event["object"]
                        if event["type"] == "ERROR":
                            if obj.get("code") == 410:
                                raise _Gone()
                            raise UserError(f"watch of RayJob {name} failed: {obj.get('message')}")
                        meta = obj.get("metadata")
                        version = meta.get("resourceVersion") if isinstance(meta, dict) else None
                        rv = version if isinstance(version, str) else rv
                        if event["type"] == "BOOKMARK":
                            continue
                        yield event["type"], obj
                        if event["type"] == "DELETED" or stop(obj):
                            return
                # The stream ended without an error (timeout, or a server going away cleanly):
                # watch again from the last resourceVersion until the deadline.
            except _Gone:
                current = self.get_rayjob(name)
                rv = str(current["metadata"].get("resourceVersion", rv))
                yield "MODIFIED", current
                if stop(current):
                    return
            except Unavailable:
                # Dropped or stalled stream, or a restarted server still installing its CRD paths (503).
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
                _wait_for_server(self, deadline)
            except (HTTPError, ApiException, OSError):
                _wait_for_server(self, deadline)

    # -- pods, logs, events -----------------------------------------------------------------
    def list_pods(self, label_selector: str) -> list[dict[str, Any]]:
        return self.call(
            f"listing pods ({label_selector})",
            "CoreV1Api",
            "list_namespaced_pod",
            self.namespace,
            label_selector=label_selector,
            shape="list",
        )["items"]

    def list_events(self) -> list[dict[str, Any]]:
        return self.call(
            f"listing events in namespace {self.namespace}",
            "CoreV1Api",
            "list_namespaced_event",
            self.namespace,
            shape="list",
        )["items"]

    def _log_stream(self, pod: str, container: str | None, **options: Any) -> Any:
        return self.call(
            f"logs of pod {pod}",
            "CoreV1Api",
            "read_namespaced_pod_log",
            pod,
            self.namespace,
            container=container,
            stream=True,
            **options,
        )

    def pod_log(self, pod: str, container: str | None = None, tail_lines: int | None = None) -> str:
        response = self._log_stream(pod, container, tail_lines=tail_lines)
        return (response.data or b"").decode(errors="replace")

    def follow_pod_log(self, pod: str, container: str | None = None) -> Iterator[str]:
        response = self._log_stream(pod, container, follow=True, timeout=(5, FOLLOW_IDLE_S))
        with api_errors(self.server, f"logs of pod {pod}"):
            yield from stream_lines(response)

    def server_answers(self, read_timeout_s: float = 5.0) -> bool:
        """One cheap request (the server's version): True when the API server answers."""
        try:
            self.call(
                "asking the API server's version",
                "VersionApi",
                "get_code",
                timeout=(min(2.0, read_timeout_s), read_timeout_s),
            )
        except UserError:
            return False
        return True


class _Gone(Exception):
    """The watch's resourceVersion is too old (HTTP 410)."""


def stream_lines(response: Any) -> Iterator[str]:
    """The non-empty lines of a streamed answer (a watch, a followed log), as they arrive."""
    pending = b""
    for chunk in response.stream(amt=None, decode_content=False):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                yield line.decode(errors="replace")
    if pending.strip():
        yield pending.decode(errors="replace")


def _wait_for_server(cluster: Cluster, deadline: float, patience_s: float = 60.0) -> None:
    """After a dropped stream, wait (up to a minute, never past ``deadline``) for the API server."""
    give_up = min(deadline, time.monotonic() + patience_s)
    while (left := give_up - time.monotonic()) > 0:
        if cluster.server_answers(read_timeout_s=max(0.5, min(5.0, left))):
            return
        time.sleep(min(1.0, max(0.0, give_up - time.monotonic())))
    if give_up < deadline:
        raise UserError(
            f"lost the API server at {cluster.server} and it did not come back within {patience_s:g} s"
        )
