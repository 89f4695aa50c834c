"""The only module that talks to a Ray dashboard: Ray's own ``JobSubmissionClient``, imported lazily.

Ray's client reports everything as ``RuntimeError("Request failed with status code N: ...")`` or a
``ConnectionError``; here they become one ``UserError`` line (exit 2) that names the address.
"""

from __future__ import annotations

import asyncio
import difflib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rmjob.errors import UserError
from rmjob.rayjobs.submission import MANAGED_BY, RUN_KEY, Submission

ADDRESS_ENV = "RAY_ADDRESS"
_STATUS_CODE = re.compile(r"status code (\d+)")


def dashboard_url(address: str) -> str:
    """``host:port`` or ``http(s)://host:port`` -> the dashboard URL.

    Ray's client reads a scheme-less address as a GCS address and waits half a minute per try to
    reach it; ``ray://`` is Ray Client, which cannot submit jobs. Only HTTP(S) reaches the dashboard.
    """
    address = address.strip().rstrip("/")
    if address.startswith("ray://"):
        raise UserError(
            f"--ray-address {address} is a Ray Client address; pass the dashboard's, e.g. http://127.0.0.1:8265"
        )
    if "://" not in address:
        address = f"http://{address}"
    if not address.startswith(("http://", "https://")):
        raise UserError(f"--ray-address {address}: expected http://HOST:PORT (the Ray dashboard)")
    return address


@dataclass(frozen=True)
class RayJobRecord:
    """What monitoring reads of one Ray job (times in seconds since the epoch)."""

    submission_id: str
    status: str  # PENDING RUNNING STOPPED SUCCEEDED FAILED
    message: str = ""
    entrypoint: str = ""
    start_time: float | None = None
    end_time: float | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    driver_exit_code: int | None = None

    @property
    def run(self) -> str:
        return self.metadata.get(RUN_KEY, "")

    @property
    def finished(self) -> bool:
        return self.status in ("STOPPED", "SUCCEEDED", "FAILED")


def _record(details: Any) -> RayJobRecord:
    def seconds(ms: int | None) -> float | None:
        return ms / 1000 if ms else None

    return RayJobRecord(
        submission_id=details.submission_id or details.job_id or "",
        status=str(getattr(details.status, "value", details.status)),
        message=details.message or "",
        entrypoint=details.entrypoint or "",
        start_time=seconds(details.start_time),
        end_time=seconds(details.end_time),
        metadata=dict(details.metadata or {}),
        driver_exit_code=details.driver_exit_code,
    )


class RayDashboard:
    """A Ray cluster's Job Submission API at ``address``."""

    def __init__(self, address: str, client: Any) -> None:
        self.address, self.client = address, client

    @classmethod
    def connect(cls, address: str) -> RayDashboard:
        url = dashboard_url(address)
        try:
            from ray.job_submission import JobSubmissionClient
        except ImportError:
            raise UserError(
                "--ray-address needs the ray package: pip install 'rmjob[ray]' (Ray 2.46.0, as in the image)"
            ) from None
        try:
            client = _client_for(JobSubmissionClient, url)
        except ConnectionError:
            raise UserError(
                f"cannot reach a Ray dashboard at {url}: is the head up (`make ray-up`, or "
                "`ray start --head`)? check the address and port (dashboard default 8265)"
            ) from None
        except Exception as exc:  # Ray raises RuntimeError, HTTPError or a JSON error for non-Ray servers
            raise UserError(
                f"{url} answers but is not a Ray dashboard ({_short(exc)}); pass the dashboard's address, "
                "e.g. http://127.0.0.1:8265"
            ) from None
        return cls(url, client)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConnectionError:
            raise UserError(f"lost the Ray dashboard at {self.address} while trying to {what}") from None
        except RuntimeError as exc:
            code = _STATUS_CODE.search(str(exc))
            if code and code[1] == "404":
                raise UserError(
                    f"no Ray job {args[0]!r} at {self.address}; `rmjob list` shows the runs"
                ) from None
            raise UserError(f"Ray refused to {what} at {self.address}: {_short(exc)}") from None

    def find(self, submission_id: str) -> RayJobRecord | None:
        try:
            return _record(self._call("read the job", self.client.get_job_info, submission_id))
        except UserError as exc:
            if str(exc).startswith("no Ray job"):
                return None
            raise

    def list(self, managed_only: bool = True) -> list[RayJobRecord]:
        records = [_record(d) for d in self._call("list jobs", self.client.list_jobs)]
        if managed_only:
            records = [r for r in records if r.metadata.get(MANAGED_BY) == "rmjob"]
        return sorted(records, key=lambda r: r.start_time or 0, reverse=True)

    def resolve(self, name: str) -> RayJobRecord:
        """A job by submission id, or the newest job of a run (spec) name."""
        if found := self.find(name):
            return found
        jobs = self.list(managed_only=False)
        runs = [j for j in jobs if j.run == name]
        if runs:
            return runs[0]
        near = difflib.get_close_matches(name, [j.submission_id for j in jobs], n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise UserError(f"no Ray job {name!r} at {self.address}{hint}; `rmjob list` shows the runs")

    def submit(self, submission: Submission) -> str:
        """Submit once: the same submission id again is a no-op ("unchanged"), as on Kubernetes."""
        if self.find(submission.submission_id):
            return "unchanged"
        self._call(
            "submit the job",
            self.client.submit_job,
            entrypoint=submission.entrypoint,
            submission_id=submission.submission_id,
            runtime_env=submission.runtime_env,
            metadata=submission.metadata,
        )
        return "submitted"

    def logs(self, submission_id: str) -> str:
        return str(self._call("read the logs", self.client.get_job_logs, submission_id))

    def follow_logs(self, submission_id: str) -> Iterator[str]:
        """Chunks of the job's output as Ray streams them, until the job ends."""
        stream = self.client.tail_job_logs(submission_id)
        loop = asyncio.new_event_loop()
        try:
            while True:
                try:
                    yield loop.run_until_complete(stream.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            loop.run_until_complete(stream.aclose())
            loop.close()

    def stop(self, submission_id: str) -> bool:
        return bool(self._call("stop the job", self.client.stop_job, submission_id))

    def delete(self, submission_id: str) -> None:
        self._call("delete the job", self.client.delete_job, submission_id)


def _client_for(client_cls: Any, url: str) -> Any:
    """Ray's client prefers $RAY_ADDRESS over the address it is given
    (ray/dashboard/utils.py get_address_for_submission_client, Ray 2.46); ours must win."""
    saved = os.environ.pop(ADDRESS_ENV, None)
    try:
        return client_cls(url)
    finally:
        if saved is not None:
            os.environ[ADDRESS_ENV] = saved


def address_from(flag: str | None, kube_flags_given: bool = False) -> str | None:
    """``--ray-address``, else ``$RAY_ADDRESS`` unless the user chose a Kubernetes namespace/context."""
    if flag:
        return flag
    return None if kube_flags_given else (os.environ.get(ADDRESS_ENV) or None)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
