"""rmjob's cluster commands against the simulated cluster: real API server, real KubeRay operator."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from sim import api
from tests.sim.conftest import SimCluster
from tests.support.streams import Lines

pytestmark = pytest.mark.sim
ROOT = Path(__file__).resolve().parents[2]


def one_line_error(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def spec_file(tmp_path: Path, name: str, **cluster) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"base": "pairwise", "name": name, "cluster": cluster}))
    return str(path)


def test_server_dry_run_is_checked_by_the_server_and_creates_nothing(sim, chart_ns):
    result = sim.rmjob("submit", "pairwise", "--dry-run", "server", "-n", chart_ns)
    assert result.returncode == 0, result.stderr
    assert "created (server dry run)" in result.stdout
    assert sim.rmjob("list", "-n", chart_ns, "-o", "json").stdout.strip() == "[]"


def test_submit_is_idempotent_and_a_changed_spec_is_a_new_run(sim, chart_ns, tmp_path):
    first = sim.rmjob("submit", "pairwise", "-n", chart_ns)
    assert first.returncode == 0 and " created " in first.stdout, first.stderr
    name = first.stdout.split()[0].split("/")[1]
    before = sim.get_ray(chart_ns, "rayjobs", name)["metadata"]["generation"]
    again = sim.rmjob("submit", "pairwise", "-n", chart_ns)
    assert " unchanged " in again.stdout
    assert sim.get_ray(chart_ns, "rayjobs", name)["metadata"]["generation"] == before
    changed = sim.rmjob(
        "submit",
        spec_file(tmp_path, "rm-pairwise", nodes=1, ttl_seconds_after_finished=60),
        "-n",
        chart_ns,
    )
    assert " created " in changed.stdout and name not in changed.stdout
    managers = {m["manager"] for m in sim.get_ray(chart_ns, "rayjobs", name)["metadata"]["managedFields"]}
    assert "rmjob" in managers


def test_list_and_status_of_a_run_on_the_chart_cluster(sim, chart_ns):
    sim.rmjob("submit", "pointwise", "-n", chart_ns)
    listed = json.loads(sim.rmjob("list", "-n", chart_ns, "-o", "json").stdout)
    pointwise = next(r for r in listed if r["mode"] == "pointwise")
    assert pointwise["model"] == "Qwen/Qwen3-14B"
    table = sim.rmjob("list", "-n", chart_ns).stdout.splitlines()
    assert table[0].split() == ["NAME", "MODE", "MODEL", "STATUS", "PROGRESS", "AGE"]

    def reached_running():
        data = yaml.safe_load(sim.rmjob("status", "rm-pointwise", "-n", chart_ns, "-o", "yaml").stdout)
        return data if data["deploymentStatus"] not in ("-", "Initializing") else None

    data = sim.wait("the pointwise RayJob to leave Initializing", reached_running, 120)
    assert data["cluster"] == "rm-cluster" and data["mode"] == "pointwise"
    assert data["pods"].endswith("ready") and data["state"] in ("starting", "running")
    text = sim.rmjob("status", "rm-pointwise", "-n", chart_ns)
    assert text.returncode == 0 and "summary" in text.stdout


def test_describe_diagnoses_not_enough_gpus(sim, chart_ns, tmp_path):
    spec = spec_file(tmp_path, "rm-too-big", nodes=3, reuse=None)
    refused = sim.rmjob("submit", spec, "-n", chart_ns)
    assert refused.returncode == 1 and "cluster-capacity" in refused.stderr  # the preflight saw it coming
    assert sim.rmjob("submit", spec, "-n", chart_ns, "--skip-check").returncode == 0

    def diagnosed():
        out = sim.rmjob("describe", "rm-too-big", "-n", chart_ns).stdout
        return out if "[insufficient-gpus]" in out else None

    out = sim.wait("the not-enough-GPUs diagnosis", diagnosed, 120)
    assert "Insufficient nvidia.com/gpu" in out and "FailedScheduling" in out
    status = yaml.safe_load(sim.rmjob("status", "rm-too-big", "-n", chart_ns, "-o", "yaml").stdout)
    assert any("not enough GPUs" in d for d in status["diagnosis"])


def test_stop_suspends_an_ephemeral_run_and_delete_removes_it(sim, chart_ns, tmp_path):
    spec = spec_file(tmp_path, "rm-stoppable", nodes=1, reuse=None)
    # Earlier tests' runs may hold every GPU node, and the preflight would rightly refuse; this test is
    # about stopping a run, pending or not.
    assert sim.rmjob("submit", spec, "-n", chart_ns, "--skip-check").returncode == 0
    stopped = sim.rmjob("stop", "rm-stoppable", "-n", chart_ns)
    assert stopped.returncode == 0 and "suspended" in stopped.stdout
    sim.wait(
        "the run to be suspended",
        lambda: (
            yaml.safe_load(sim.rmjob("status", "rm-stoppable", "-n", chart_ns, "-o", "yaml").stdout)["state"]
            == "suspended"
        ),
        120,
    )
    shared = sim.rmjob("stop", "rm-pairwise", "-n", chart_ns)
    assert "rmjob delete" in one_line_error(shared)
    deleted = sim.rmjob("delete", "rm-stoppable", "-n", chart_ns)
    assert deleted.returncode == 0
    sim.wait(
        "the RayJob to be gone",
        lambda: (
            not any(
                r["name"].startswith("rm-stoppable")
                for r in json.loads(sim.rmjob("list", "-n", chart_ns, "-o", "json").stdout)
            )
        ),
        60,
    )


def test_describe_says_the_reused_cluster_is_missing_in_a_namespace_without_the_chart(sim):
    with sim.namespace("rm-nochart") as namespace:
        refused = sim.rmjob("submit", "pairwise", "-n", namespace)
        assert refused.returncode == 1 and "no RayCluster rm-cluster" in refused.stderr
        assert sim.rmjob("submit", "pairwise", "-n", namespace, "--skip-check").returncode == 0

        def diagnosed() -> str | None:
            out = sim.rmjob("describe", "rm-pairwise", "-n", namespace).stdout
            return out if "[missing-raycluster]" in out else None

        out = sim.wait("the missing-RayCluster diagnosis", diagnosed, 60)
        assert f"make cluster NAMESPACE={namespace}" in out


def test_make_train_pairwise_on_a_machine_without_a_kube_context_uses_the_simulated_cluster(sim, tmp_path):
    from sim.paths import cache_root, home

    env = {k: v for k, v in sim.env.items() if k != "KUBECONFIG"}
    # No ~/.kube/config in this HOME; the cache (binaries, helm) and this session's cluster stay the same.
    env |= {"HOME": str(tmp_path), "RMKIT_CACHE": str(cache_root().parent), "RMKIT_SIM_HOME": str(home())}
    with sim.namespace("rm-make") as namespace:
        made = subprocess.run(
            ["make", "train-pairwise", f"NAMESPACE={namespace}"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        assert "reusing the running simulated cluster" in made.stderr + made.stdout
        assert sim.get_ray(namespace, "rayclusters", "rm-cluster") is not None  # the chart, installed
        assert [j["mode"] for j in json.loads(sim.rmjob("list", "-n", namespace, "-o", "json").stdout)] == [
            "pairwise"
        ]


def submitter_of(sim: SimCluster, namespace: str, run_name: str) -> str:
    """The name of the run's submitter pod, once it runs."""

    def running() -> str | None:
        pods = sim.pods(namespace, f"batch.kubernetes.io/job-name={run_name}")
        return next((p.metadata.name for p in pods if p.status.phase == "Running"), None)

    return sim.wait(f"the submitter pod of {run_name} to run", running, 120)


def test_logs_and_metrics_come_through_the_real_pod_logs_api(sim, chart_ns, tmp_path):
    submitted = sim.rmjob("submit", "pairwise", "-n", chart_ns)
    name = submitted.stdout.split()[0].split("/")[1]
    verl_output = (ROOT / "tests" / "fixtures" / "verl_pairwise_ok.log").read_text().splitlines()
    cri_log = tmp_path / "submitter.log"
    api.append_pod_log(cri_log, verl_output)
    api.serve_pod_logs(sim.api, chart_ns, cri_log, [submitter_of(sim, chart_ns, name)])

    def served() -> subprocess.CompletedProcess[str] | None:
        result = sim.rmjob("logs", name, "-n", chart_ns)
        return result if result.returncode == 0 else None

    assert sim.wait("the submitter's log to be served", served, 30).stdout.splitlines() == verl_output
    tail = sim.rmjob("logs", name, "-n", chart_ns, "--tail", "2")
    assert tail.stdout.splitlines() == verl_output[-2:]
    live = json.loads(sim.rmjob("metrics", name, "-n", chart_ns, "-o", "json").stdout)
    saved = json.loads(
        sim.rmjob("metrics", str(ROOT / "tests/fixtures/verl_pairwise_ok.log"), "-o", "json").stdout
    )
    assert live == saved and len(live["steps"]) > 3
    png = tmp_path / "curves.png"
    assert sim.rmjob("plot", name, "-n", chart_ns, "-o", str(png)).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The head pod has no log file attached: asking for it is one line, not a traceback.
    head = sim.rmjob("logs", name, "-n", chart_ns, "--pod", "head")
    assert 'no logs found for container "ray-head"' in one_line_error(head)
    worker = sim.rmjob("logs", name, "-n", chart_ns, "--pod", "worker-0")
    assert 'no logs found for container "ray-worker"' in one_line_error(worker)  # the worker pod was found
    missing = one_line_error(sim.rmjob("logs", name, "-n", chart_ns, "--pod", "worker-5"))
    assert "no worker-5 pod for this run (pods: head, worker-0, submitter)" in missing


def test_logs_follow_streams_lines_as_the_pod_prints_them(sim, chart_ns, tmp_path):
    submitted = sim.rmjob("submit", "pointwise", "-n", chart_ns)
    name = submitted.stdout.split()[0].split("/")[1]
    cri_log = tmp_path / "submitter.log"
    api.append_pod_log(cri_log, ["(TaskRunner pid=1) step:1 - critic/rewards/mean:0.25"])
    api.serve_pod_logs(sim.api, chart_ns, cri_log, [submitter_of(sim, chart_ns, name)])
    follower = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "rmjob"), "logs", name, "-n", chart_ns, "-f"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=sim.env,
        cwd=ROOT,
    )
    out = Lines(follower.stdout)
    out.start()
    try:
        sim.wait("the first log line", lambda: out.seen("step:1 "), 30)
        api.append_pod_log(cri_log, ["(TaskRunner pid=1) step:2 - critic/rewards/mean:0.5"])
        sim.wait("a line printed later to arrive on the open stream", lambda: out.seen("step:2 "), 30)
        assert follower.poll() is None
    finally:
        follower.kill()
        follower.wait(timeout=10)


def test_unknown_run_name_suggests_near_names(sim, chart_ns):
    sim.rmjob("submit", "pairwise", "-n", chart_ns)
    error = one_line_error(sim.rmjob("status", "rm-pairwse", "-n", chart_ns))
    assert "no RayJob 'rm-pairwse'" in error and "did you mean rm-pairwise-" in error


def test_no_kube_context_is_one_clear_line(sim, tmp_path):
    error = one_line_error(sim.rmjob("list", env={"KUBECONFIG": str(tmp_path / "none")}))
    assert "no usable kube context" in error and "make sim-up" in error


def test_an_unknown_kube_context_names_the_ones_there_are(sim):
    error = one_line_error(sim.rmjob("list", "--context", "prod-east"))
    assert "kube context 'prod-east' not found" in error and "rm-kit-sim" in error


def test_unreachable_api_server_is_one_clear_line(sim, tmp_path):
    config = yaml.safe_load(Path(sim.kubeconfig).read_text())
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:9"  # nothing listens on the discard port
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    error = one_line_error(sim.rmjob("list", env={"KUBECONFIG": str(path)}))
    assert "cannot reach the API server at https://127.0.0.1:9" in error


def test_forbidden_by_rbac_names_the_permission(sim, chart_ns, tmp_path):
    # The Ray pods' service account has no API permissions: a token for it is a real RBAC check.
    token = sim.core.create_namespaced_service_account_token(
        "rm-cluster", chart_ns, {"spec": {"expirationSeconds": 600}}
    ).status.token
    config = yaml.safe_load(Path(sim.kubeconfig).read_text())
    config["users"][0]["user"] = {"token": token}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    error = one_line_error(sim.rmjob("list", "-n", chart_ns, env={"KUBECONFIG": str(path)}))
    assert "forbidden" in error and 'cannot list resource "rayjobs"' in error and "rmjob Role" in error
    allowed_token = sim.core.create_namespaced_service_account_token(
        "rm-cluster-rmjob", chart_ns, {"spec": {"expirationSeconds": 600}}
    ).status.token
    config["users"][0]["user"] = {"token": allowed_token}
    path.write_text(yaml.safe_dump(config))
    assert sim.rmjob("list", "-n", chart_ns, env={"KUBECONFIG": str(path)}).returncode == 0
