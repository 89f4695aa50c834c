"""The simulated cluster's container runtime: what a kubelet would run for each scheduled pod.

- A Ray head pod (label ``ray.io/node-type=head``) gets a real Ray head on this machine (sim/rayhead.py),
  inside the pod's view (its volumes at their mount paths, the cluster's service names resolvable). Once the
  dashboard answers, the pod gets its address and KWOK marks it Running and Ready.
- A pod owned by a Job (the RayJob submitter, data jobs) runs its first container's command and arguments
  for real, in the pod's view; its output is the pod's log (a KWOK ``Logs`` object names the file), and
  when it exits the pod is marked Succeeded or Failed with the exit code.
- Every other pod (Ray workers, anything else) only gets an address: KWOK marks it Running, nothing runs.
- Namespaces labelled ``rm-kit.sim/pods=fake`` keep every pod that way (no Ray head, no command).
- A pod that is deleted has what runs for it stopped.

The runtime talks to KWOK through two pod annotations (sim/kwok-stages.yaml keys on them): ``rm-kit.sim/
pod-ip`` (the pod runs, at that address) and ``rm-kit.sim/exit-code``. It keeps the hosts file the operator
and pods resolve service names with (sim/hosts.py). Started by the launcher; run as
``python -m sim.runtime --kubeconfig FILE --work DIR --port PORT``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import http.server
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kubernetes import client

from rmjob.errors import UserError
from rmjob.platform import load_platform
from sim import api, hosts, podns, rayhead
from sim.processes import MARKER

POD_IP = "rm-kit.sim/pod-ip"
EXIT_CODE = "rm-kit.sim/exit-code"
FAKE_NAMESPACE_LABEL = "rm-kit.sim/pods"  # value `fake`: this namespace's pods stay pretend
POD_MARKER = "RMKIT_SIM_POD"  # in the environment of everything run for one pod: how it is stopped
FAKE_POD_IPS = ipaddress.ip_network("127.64.0.0/16")
POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 10.0


def view_files(work: Path) -> tuple[Path, Path]:
    """The hosts and resolv.conf files every pod view (and the operator) binds; created empty of services."""
    work.mkdir(parents=True, exist_ok=True)
    hosts_file, resolv_file = work / "hosts", work / "resolv.conf"
    if not hosts_file.exists():
        hosts.write_in_place(hosts_file, hosts.render({}))
    resolv_file.write_text(podns.resolv_conf())
    return hosts_file, resolv_file


def image_packages_mount() -> list[str]:
    """The images install rmjob at a fixed path that rendered RayJobs name (verl loads the reward function
    and dataset class from files there, platform.yaml `paths.site_packages`); every pod's view has this
    checkout's rmjob package there."""
    import rmjob

    return [str(Path(rmjob.__file__).parent), f"{load_platform().paths.site_packages}/rmjob"]


def fake_pod_ip(uid: str) -> str:
    digest = int(hashlib.sha256(uid.encode()).hexdigest(), 16)
    return str(FAKE_POD_IPS.network_address + 1 + digest % (FAKE_POD_IPS.num_addresses - 2))


def pod_role(pod: dict[str, Any]) -> str:
    """head, job or fake."""
    if (pod["metadata"].get("labels") or {}).get("ray.io/node-type") == "head":
        return "head"
    if any(ref.get("kind") == "Job" for ref in pod["metadata"].get("ownerReferences") or []):
        return "job"
    return "fake"


@dataclass
class Running:
    """What runs for one pod."""

    namespace: str
    name: str
    role: str
    proc: subprocess.Popen[bytes]
    log_file: Path
    ip: str
    labels: dict[str, str]
    temp_dir: Path | None = None  # a Ray head's, removed when it stops
    started_at: float = field(default_factory=time.monotonic)
    announced: bool = False  # the pod has its address (for a head: once the dashboard answered)
    finished: bool = False
    threads: list[threading.Thread] = field(default_factory=list)


def _cri_copy(stream: IO[bytes], log_file: Path) -> None:
    """Copy a process's output into ``log_file`` in the CRI format a kubelet (and KWOK) serves."""
    for raw in iter(stream.readline, b""):
        api.append_pod_log(log_file, [raw.decode(errors="replace").rstrip()])


def stop_pod_processes(uid: str, running: Running, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM the pod's process group, then SIGKILL whatever still carries the pod's marker."""
    proc = running.proc
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(grace)
    for pid in marked_with(f"{POD_MARKER}={uid}"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
    if running.temp_dir is not None:
        shutil.rmtree(running.temp_dir, ignore_errors=True)


def marked_with(entry: str) -> list[int]:
    found = []
    for path in Path("/proc").iterdir():
        if path.name.isdigit():
            try:
                if entry.encode() in (path / "environ").read_bytes().split(b"\0"):
                    found.append(int(path.name))
            except OSError:
                continue
    return found


class Runtime:
    def __init__(self, kubeconfig: Path, work: Path) -> None:
        self.api = api.api_client(kubeconfig)
        self.core = client.CoreV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)
        self.work = work
        self.hosts_file, self.resolv_file = view_files(work)
        self.running: dict[str, Running] = {}
        self.announced: set[str] = set()  # pods given an address (fake ones included)
        self.healthy_at = 0.0

    # --- the loop ---------------------------------------------------------------------------------

    def step(self) -> None:
        pods = self._list(self.core.list_pod_for_all_namespaces)
        fake_namespaces = {
            ns["metadata"]["name"]
            for ns in self._list(self.core.list_namespace)
            if (ns["metadata"].get("labels") or {}).get(FAKE_NAMESPACE_LABEL) == "fake"
        }
        live = set()
        for pod in pods:
            meta = pod["metadata"]
            if meta.get("deletionTimestamp") or not (pod.get("spec") or {}).get("nodeName"):
                continue
            uid = meta["uid"]
            live.add(uid)
            annotations = meta.get("annotations") or {}
            if uid in self.running:
                self._check(uid, self.running[uid])
            elif POD_IP not in annotations and uid not in self.announced:
                role = pod_role(pod)
                if role == "fake" or meta["namespace"] in fake_namespaces:
                    self._annotate(meta, {POD_IP: fake_pod_ip(uid)})
                    self.announced.add(uid)
                else:
                    self._start(pod, role)
        for uid in [uid for uid in self.running if uid not in live]:
            self._stop(uid)
        self.announced &= live
        self._update_hosts(self._list(self.core.list_service_for_all_namespaces))
        self.healthy_at = time.monotonic()

    @staticmethod
    def _list(lister: Any) -> list[dict[str, Any]]:
        """Plain JSON (the client's model objects cost more CPU than the loop can spare)."""
        response = lister(_preload_content=False, _request_timeout=10)
        items: list[dict[str, Any]] = json.loads(response.data)["items"]
        return items

    def _annotate(self, meta: dict[str, Any], annotations: dict[str, str]) -> None:
        body = {"metadata": {"annotations": annotations}}
        try:
            self.core.patch_namespaced_pod(meta["name"], meta["namespace"], body)
        except client.ApiException as error:
            if error.status != 404:  # a pod deleted meanwhile needs nothing more
                raise

    # --- starting ---------------------------------------------------------------------------------

    def _start(self, pod: dict[str, Any], role: str) -> None:
        meta, spec = pod["metadata"], pod["spec"]
        uid = meta["uid"]
        pod_dir = self.work / "pods" / uid
        pod_dir.mkdir(parents=True, exist_ok=True)
        log_file = pod_dir / "container.log"
        container = spec["containers"][0]
        env = {
            "HOME": str(pod_dir),
            "LANG": "C.UTF-8",
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            MARKER: os.environ.get(MARKER, ""),
            POD_MARKER: uid,
            "NO_PROXY": "*",
            **self._container_env(pod, container),
        }
        if role == "head":
            taken = {r.ip for r in self.running.values()}
            ip = rayhead.head_ip(f"{self.work}|{meta['namespace']}|{meta['name']}", taken)
            temp_dir = Path("/tmp") / f"rmkit-sim-ray-{uid[:8]}"  # Ray's socket paths must stay short
            argv, ray_env = rayhead.command(ip, rayhead.free_port_block(rayhead.ports_needed()), temp_dir)
            env.update(ray_env)
        else:
            temp_dir = None
            ip = fake_pod_ip(uid)
            argv = [*(container.get("command") or []), *(container.get("args") or [])]
            if not container.get("command"):
                argv = [
                    "sh",
                    "-c",
                    "echo 'sim: no command in the container; its image entrypoint cannot run here'; exit 127",
                ]
        mounts = [*self._mounts(pod, container), image_packages_mount()]
        view = pod_dir / "view.json"
        view.write_text(
            json.dumps(
                {
                    "hosts": str(self.hosts_file),
                    "resolv": str(self.resolv_file),
                    "mounts": mounts,
                }
            )
        )
        proc = subprocess.Popen(
            podns.command(view, argv),
            cwd=pod_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        running = Running(
            meta["namespace"], meta["name"], role, proc, log_file, ip, meta.get("labels") or {}, temp_dir
        )
        assert proc.stdout is not None
        copier = threading.Thread(target=_cri_copy, args=(proc.stdout, log_file), daemon=True)
        copier.start()
        running.threads.append(copier)
        self.running[uid] = running
        self._serve_log(meta, log_file, follow=True)
        if role == "job":
            self._announce(uid, running)

    def _container_env(self, pod: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
        """The container's environment: plain values, the pod's own fields and Secret/ConfigMap keys."""
        meta = pod["metadata"]
        fields = {
            "metadata.name": meta["name"],
            "metadata.namespace": meta["namespace"],
            "spec.nodeName": pod["spec"].get("nodeName", ""),
        }
        env: dict[str, str] = {}
        for var in container.get("env") or []:
            source = var.get("valueFrom") or {}
            if "value" in var:
                env[var["name"]] = var["value"]
            elif "fieldRef" in source and source["fieldRef"]["fieldPath"] in fields:
                env[var["name"]] = fields[source["fieldRef"]["fieldPath"]]
            elif "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                with contextlib.suppress(client.ApiException, KeyError, TypeError):
                    secret: Any = self.core.read_namespaced_secret(ref["name"], meta["namespace"])
                    env[var["name"]] = base64.b64decode(secret.data[ref["key"]]).decode()
            elif "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                with contextlib.suppress(client.ApiException, KeyError, TypeError):
                    config: Any = self.core.read_namespaced_config_map(ref["name"], meta["namespace"])
                    env[var["name"]] = config.data[ref["key"]]
        return env

    def _mounts(self, pod: dict[str, Any], container: dict[str, Any]) -> list[list[str]]:
        """[host directory, mount path] for each claim the container mounts: the bound volume's hostPath."""
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in pod["spec"].get("volumes") or []
            if "persistentVolumeClaim" in v
        }
        mounts = []
        for mount in container.get("volumeMounts") or []:
            claim = claims.get(mount["name"])
            if claim is None:
                continue
            host = self._claim_directory(pod["metadata"]["namespace"], claim)
            if host is not None:
                mounts.append([str(Path(host) / mount.get("subPath", "")), mount["mountPath"]])
        return mounts

    def _claim_directory(self, namespace: str, claim: str) -> str | None:
        try:
            return str(api.claim_host_path(self.api, namespace, claim))
        except (UserError, client.ApiException):
            return None

    def _serve_log(self, meta: dict[str, Any], log_file: Path, follow: bool) -> None:
        body = {
            "apiVersion": "kwok.x-k8s.io/v1alpha1",
            "kind": "Logs",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "spec": {"logs": [{"logsFile": str(log_file), "follow": follow}]},
        }
        with contextlib.suppress(client.ApiException):
            self.custom.patch_namespaced_custom_object(
                "kwok.x-k8s.io", "v1alpha1", meta["namespace"], "logs", meta["name"], body
            )
            return
        with contextlib.suppress(client.ApiException):
            self.custom.create_namespaced_custom_object(
                "kwok.x-k8s.io", "v1alpha1", meta["namespace"], "logs", body
            )

    def _announce(self, uid: str, running: Running) -> None:
        self._annotate({"name": running.name, "namespace": running.namespace}, {POD_IP: running.ip})
        running.announced = True
        self.announced.add(uid)

    # --- watching what runs -----------------------------------------------------------------------

    def _check(self, uid: str, running: Running) -> None:
        code = running.proc.poll()
        if running.finished:
            return
        if code is None:
            if (
                running.role == "head"
                and not running.announced
                and api.http_ok(f"http://{running.ip}:{rayhead.DASHBOARD_PORT}/api/gcs_healthz")
            ):
                self._announce(uid, running)
            return
        for thread in running.threads:
            thread.join(5)
        meta = {"name": running.name, "namespace": running.namespace}
        annotations = {EXIT_CODE: str(code if code >= 0 else 128 - code)}
        if not running.announced:
            annotations[POD_IP] = running.ip
        self._annotate(meta, annotations)
        self._serve_log(meta, running.log_file, follow=False)  # a finished container's log ends
        running.finished = True

    def _stop(self, uid: str) -> None:
        running = self.running.pop(uid)
        threading.Thread(target=stop_pod_processes, args=(uid, running), daemon=True).start()

    def _update_hosts(self, services: list[dict[str, Any]]) -> None:
        heads = [
            (r.namespace, r.labels, r.ip)
            for r in self.running.values()
            if r.role == "head" and r.announced and not r.finished
        ]
        text = hosts.render(hosts.entries(services, heads))
        if self.hosts_file.read_text() != text:
            hosts.write_in_place(self.hosts_file, text)

    def stop_all(self) -> None:
        for uid in list(self.running):
            running = self.running.pop(uid)
            stop_pod_processes(uid, running, grace=5)


def _serve_health(runtime: Runtime, port: int) -> None:
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            ok = time.monotonic() - runtime.healthy_at < 15
            self.send_response(200 if ok else 503)
            self.end_headers()
            self.wfile.write(b"ok\n" if ok else b"stale\n")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.runtime")
    parser.add_argument("--kubeconfig", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True, help="health endpoint on 127.0.0.1")
    args = parser.parse_args(argv)
    runtime = Runtime(args.kubeconfig, args.work)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    _serve_health(runtime, args.port)
    try:
        while not stopping.is_set():
            try:
                runtime.step()
            except Exception as error:  # the API server restarting, a pod racing its deletion: try again
                print(f"sim.runtime: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            stopping.wait(POLL_SECONDS)
    finally:
        runtime.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
