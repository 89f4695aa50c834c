"""The CLI as users run it: a fresh interpreter, real files, exit codes and stderr."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rmjob.cli import app
from rmjob.cli.command import Command, Group, Opt, Parser, build, summary
from tests.support.cli import invoke

HEAVY = ("torch", "verl", "vllm", "pandas", "pyarrow", "matplotlib", "kubernetes")


def rmjob(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmjob.cli", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


def write_spec(tmp_path: Path, **changes: object) -> str:
    data: dict = {"base": "pairwise"}
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_help_and_render_paths_do_not_import_heavy_modules(repo_root):
    probe = (
        "import sys, runpy; sys.argv = ['rmjob', 'render', 'pairwise'];\n"
        "try:\n    runpy.run_module('rmjob.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"print('\\nLOADED', sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=repo_root, capture_output=True, text=True).stdout
    assert out.strip().endswith("LOADED []"), out[-300:]


def test_presets_and_spec_show(repo_root):
    listed = rmjob("presets", cwd=repo_root)
    assert listed.returncode == 0 and "pairwise-seed" in listed.stdout
    shown = rmjob("spec", "show", "pairwise", cwd=repo_root)
    assert shown.returncode == 0 and yaml.safe_load(shown.stdout)["name"] == "rm-pairwise"


def test_render_json_and_out_dir(repo_root, tmp_path):
    as_json = rmjob("render", "pointwise", "-o", "json", cwd=repo_root)
    assert json.loads(as_json.stdout)["kind"] == "RayJob"
    written = rmjob("render", "pointwise", "--out", str(tmp_path), cwd=repo_root)
    assert written.returncode == 0
    assert yaml.safe_load((tmp_path / "rm-pointwise.yaml").read_text())["kind"] == "RayJob"
    assert [p.name for p in tmp_path.iterdir()] == ["rm-pointwise.yaml"]  # no temp files left


BAD_INPUTS = [
    ("unknown key", {"trainng": {}}, "unknown key 'trainng' (did you mean 'training'?)"),
    ("wrong type", {"training__lr": "fast"}, "training.lr: Input should be a valid number"),
    ("name too long", {"name": "a" * 40}, "at most 38"),
    ("name not DNS-1035", {"name": "Run_1"}, "not a DNS-1035 label"),
    ("nodes < 1", {"cluster__nodes": 0}, "greater than or equal to 1"),
    (
        "unknown verl override",
        {"verl_overrides": ["trainer.totl_epochs=3"]},
        "did you mean 'trainer.total_epochs'",
    ),
    ("secret in spec env", {"env": {"HF_TOKEN": "hf_" + "x" * 34}}, "looks like a secret"),
]


@pytest.mark.parametrize(("case", "changes", "expected"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_spec_gives_one_clear_line_and_exit_2(case, changes, expected, repo_root, tmp_path):
    result = rmjob("render", write_spec(tmp_path, **changes), cwd=repo_root)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_unknown_preset_suggests_the_nearest(repo_root):
    result = rmjob("render", "pairwize", cwd=repo_root)
    assert result.returncode == 2 and "did you mean 'pairwise'" in result.stderr


def test_secret_in_runtime_env_is_refused(repo_root, tmp_path):
    env_file = tmp_path / "runtime_env.yaml"
    env_file.write_text("env_vars:\n  WANDB_API_KEY: " + "0123456789abcdef" * 2 + "01234567\n")
    result = rmjob("render", "pairwise", "--runtime-env", str(env_file), cwd=repo_root)
    assert (
        result.returncode == 2 and "looks like a secret" in result.stderr and "Traceback" not in result.stderr
    )
    assert "0123456789abcdef" not in result.stderr  # the refusal must not echo the secret


def test_render_outside_the_checkout_uses_the_packaged_runtime_env(tmp_path, repo_root):
    outside = rmjob("render", "pairwise", cwd=tmp_path)
    inside = rmjob("render", "pairwise", cwd=repo_root)
    assert outside.returncode == 0, outside.stderr
    assert outside.stdout == inside.stdout


def test_missing_explicit_runtime_env_says_how_to_fix(tmp_path):
    result = rmjob("render", "pairwise", "--runtime-env", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "runtime env file" in result.stderr and "--runtime-env" in result.stderr


@pytest.mark.parametrize("kind", ["directory", "binary"])
def test_unreadable_spec_file(kind, repo_root, tmp_path):
    path = tmp_path / "spec.yaml"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"\xff\xfe\x00binary")
    result = rmjob("render", str(path), cwd=repo_root)
    assert result.returncode == 2 and "cannot read spec file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_out_dir(repo_root, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = rmjob("render", "pairwise", "--out", str(blocker / "sub"), cwd=repo_root)
    assert result.returncode == 2 and "cannot write" in result.stderr


def test_metrics_and_plot_read_a_saved_log_file_without_a_cluster(repo_root, tmp_path):
    saved = str(repo_root / "tests" / "fixtures" / "verl_pairwise_ok.log")
    no_cluster = {"KUBECONFIG": str(tmp_path / "none")}
    table = rmjob("metrics", saved, cwd=repo_root, env=no_cluster)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == [
        "STEP",
        "VAL_ACC",
        "VAL_REWARD",
        "REWARD",
        "RESP_LEN",
        "TOKENS/S/GPU",
        "STEP_S",
    ]
    data = json.loads(rmjob("metrics", saved, "-o", "json", cwd=repo_root, env=no_cluster).stdout)
    assert [row["step"] for row in data["steps"]][:3] == [0, 1, 2] and data["errors"] == []
    png = tmp_path / "curves.png"
    plotted = rmjob("plot", saved, "-o", str(png), cwd=repo_root, env=no_cluster)
    assert plotted.returncode == 0, plotted.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_log_file_is_not_mistaken_for_a_run_name(repo_root, tmp_path):
    result = rmjob("metrics", str(tmp_path / "gone.log"), cwd=repo_root)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "no such log file" in result.stderr and "Traceback" not in result.stderr


def test_kubectl_plugin_entry_point_is_the_same_cli(repo_root):
    plugin = repo_root / ".venv" / "bin" / "kubectl-rmjob"
    if not plugin.exists():
        pytest.skip("rmjob is not installed in .venv (make install)")
    listed = subprocess.run([str(plugin), "presets"], capture_output=True, text=True, cwd=repo_root)
    assert listed.returncode == 0 and listed.stdout == rmjob("presets", cwd=repo_root).stdout


def test_help_imports_nothing_heavy() -> None:
    """`rmjob --help` (and `kubectl rmjob --help`) start-up: no rich, pydantic, YAML or API client."""
    code = (
        "import sys; sys.argv = ['rmjob', '--help']\n"
        "import rmjob.cli\n"
        "try:\n    rmjob.cli.main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('rich', 'pydantic', 'yaml', 'kubernetes', 'pyarrow')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage: rmjob" in proc.stdout
    assert proc.stderr.strip() == "[]"


def test_a_command_that_succeeds_leaves_the_heap_out_of_the_exits_collections(capsys) -> None:
    code = (
        "import atexit, gc, sys; sys.argv = ['rmjob', 'presets']\n"
        "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0, file=sys.stderr))\n"
        "from rmjob.cli import main\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr.strip() == "frozen: True", proc.stderr
    # In a process that goes on (this one), the harness unfreezes what main froze.
    assert invoke(capsys, "presets").code == 0 and gc.get_freeze_count() == 0


OTHER_COMMAND_MODULES = (
    "rmjob.cli.runs",
    "rmjob.cli.data",
    "rmjob.cli.eval",
    "rmjob.cli.check",
    "rmjob.cli.dev",
)


def test_render_imports_no_cli_framework_nor_other_commands(repo_root) -> None:
    """`rmjob render` start-up: argparse only (Typer and Click cost ~100 ms a call; rich is for bars),
    not the modules of the other commands, nor logging (a pure command: no library to quieten)."""
    unwanted = ("typer", "click", "rich", "logging", *OTHER_COMMAND_MODULES)
    probe = (
        "import sys, runpy; sys.argv = ['rmjob', 'render', 'pairwise'];\n"
        "try:\n    runpy.run_module('rmjob.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"print('\\nLOADED', sorted(m for m in {unwanted!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=repo_root, capture_output=True, text=True)
    assert "kind: RayJob" in proc.stdout and proc.stdout.strip().endswith("LOADED []"), proc.stdout[-300:]


def test_every_command_a_cli_module_defines_is_registered() -> None:
    """A command added to a module's COMMANDS but not to rmjob.cli's lazy registration would vanish."""
    import importlib

    registered = app.names()
    for module in (*OTHER_COMMAND_MODULES, "rmjob.cli.doctor"):
        for made in importlib.import_module(module).COMMANDS:
            assert made.name in registered and app.child(made.name) is made, (module, made.name)


USAGE_ERRORS = [
    (["render", "--bogus", "pairwise"], "No such option: --bogus", "rmjob render"),
    (["render"], "required: SPEC_OR_PRESET", "rmjob render"),
    (["render", "pairwise", "-o", "xml"], "invalid choice: 'xml'", "rmjob render"),
    (["submit", "pairwise", "--timeout", "0"], "0 is not in the range x>=1", "rmjob submit"),
    (["submit", "pairwise", "--timeout", "soon"], "invalid int value: 'soon'", "rmjob submit"),
    (["eval", "run", "--bench", "rmbench", "--out", "o", "--top-p", "2"], "0.0<=x<=1.0", "rmjob eval run"),
    (["eval", "run", "--out", "o"], "required: --bench", "rmjob eval run"),
    (["dev", "tiny-model", "d", "--layers", "9"], "not in the range 1<=x<=8", "rmjob dev tiny-model"),
    (["data", "synth"], "required: --out", "rmjob data synth"),
    (["data", "bogus"], "invalid choice: 'bogus'", "rmjob data"),
    (["bogus"], "invalid choice: 'bogus'", "rmjob"),
    (["render", "a", "b"], "unexpected extra argument: b", "rmjob render"),
]


@pytest.mark.parametrize(
    ("args", "expected", "where"), USAGE_ERRORS, ids=[" ".join(a) for a, _, _ in USAGE_ERRORS]
)
def test_usage_errors_are_one_line_exit_2(args, expected, where, capsys) -> None:
    result = invoke(capsys, *args)
    assert result.code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr and result.stderr.endswith(f" (see `{where} --help`)\n")


@pytest.mark.parametrize(
    "args", [[], ["data"], ["spec"], ["eval"], ["dev"]], ids=lambda a: " ".join(a) or "-"
)
def test_a_group_alone_prints_its_help_and_exits_2(args, capsys) -> None:
    result = invoke(capsys, *args)
    assert result.code == 2 and result.stdout.startswith(
        f"Usage: {' '.join(['rmjob', *args])} [OPTIONS] COMMAND"
    )


def _levels(
    node: Group | Command, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Group | Command]]:
    below = (
        []
        if isinstance(node, Command)
        else [level for name, child in node.children.items() for level in _levels(child, (*path, name))]
    )
    return [(path, node), *below]


@pytest.mark.parametrize(
    ("path", "node"), _levels(app), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_help_on_every_level_lists_its_commands_and_options(path, node, capsys) -> None:
    result = invoke(capsys, *path, "--help")
    assert result.code == 0 and result.stdout.startswith(f"Usage: {' '.join(['rmjob', *path])} [OPTIONS]")
    text = " ".join(result.stdout.split())
    if isinstance(node, Group):
        for name, child in node.children.items():
            assert f" {name} {summary(child.doc)}" in text, (name, text)
    else:
        assert node.doc.split()[0] in text
        for param in node.params:
            flags = param.flags if isinstance(param, Opt) else (param.metavar,)
            assert all(flag in text for flag in flags), (flags, text)


def test_top_level_help_lists_every_command(capsys) -> None:
    names = [
        line.split()[0]
        for line in invoke(capsys, "--help").stdout.split("Commands:")[1].splitlines()
        if line[2:3].strip()
    ]
    assert names == [
        "presets", "render", "submit", "list", "status", "watch", "logs", "describe", "metrics", "plot",
        "stop", "delete", "doctor", "check", "spec", "data", "dev", "eval",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "node"),
    [lv for lv in _levels(app) if isinstance(lv[1], Command)],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_each_command_declares_exactly_its_functions_parameters(path, node) -> None:
    code = node.fn.__code__
    assert [p.dest for p in node.params] == list(code.co_varnames[: code.co_argcount])


def test_typed_options_reach_the_function_typed() -> None:
    from rmjob.cli.eval import BenchChoice

    parser = build(app, Parser("rmjob", app.doc, "rmjob"))
    args = [
        "eval",
        "run",
        "--bench",
        "rmbench",
        "--out",
        "o",
        "--no-thinking",
        "--example",
        "a",
        "--example",
        "b",
    ]
    parsed = parser.parse_args([*args, "--top-p", "0.5", "--limit", "3"])
    values = {p.dest: p.value(getattr(parsed, p.dest)) for p in parsed._command.params}
    assert values["bench"] is BenchChoice.rmbench and values["out"] == Path("o")
    assert values["thinking"] is False and values["example"] == ["a", "b"]
    assert values["top_p"] == 0.5 and values["limit"] == 3 and values["step"] is None
    assert parser.parse_args([*args[:6], "--thinking"]).thinking is True
    assert parser.parse_args(args[:6]).thinking is None and parser.parse_args(args[:6]).example is None
    check = parser.parse_args(["check", "pairwise", "-f", "a.yaml", "--values", "b.yaml"])
    assert check.values == [Path("a.yaml"), Path("b.yaml")] and check.skip_rule is None


@pytest.mark.parametrize(
    ("raised", "code", "stderr"),
    [
        (KeyboardInterrupt(), 130, "\nerror: aborted\n"),
        (SystemExit(1), 1, ""),  # a failed run (status, watch, check)
        (
            RuntimeError("boom\nline two"),
            3,
            "error: internal error (RuntimeError: boom line two); this is a bug",
        ),
    ],
    ids=["ctrl-c", "failed run", "internal error"],
)
def test_exit_codes_of_interrupts_failures_and_bugs(raised, code, stderr, capsys, monkeypatch) -> None:
    def presets() -> None:
        raise raised

    monkeypatch.setattr(app.children["presets"], "fn", presets)
    monkeypatch.delenv("RMJOB_DEBUG", raising=False)
    result = invoke(capsys, "presets")
    assert result.code == code and result.stderr.startswith(stderr), result.stderr
    assert result.stderr.count("\n") == (2 if code == 130 else 1 if code == 3 else 0)


def test_option_help_shows_defaults_ranges_and_required_as_before(capsys) -> None:
    text = " ".join(invoke(capsys, "eval", "run", "--help").stdout.split())
    assert "--bench <rmbench|helpsteer2> rmbench, or helpsteer2 (mode from the parquet) [required]" in text
    assert "--seed <int> [default: 0]" in text and "--top-p <float range> [default: 1.0; 0.0<=x<=1.0]" in text
    assert "--thinking / --no-thinking chat-template thinking" in text
    assert "--example <list[str]> judge template example" in text
    text = " ".join(invoke(capsys, "data", "helpsteer2", "--help").stdout.split())
    assert (
        "--train-ratio <float> Share of prompts in the train split (random split). [default: (0.8)]" in text
    )


@pytest.mark.parametrize("columns", [50, 100])
def test_help_wraps_at_the_terminal_width_from_columns(columns, capsys, monkeypatch) -> None:
    """Option help fits $COLUMNS, as it did when argparse asked shutil for the terminal's size (the
    description is printed as written)."""
    monkeypatch.setenv("COLUMNS", str(columns))
    result = invoke(capsys, "submit", "--help")
    options = result.stdout.partition("Options:")[2]
    widths = [len(line) for line in options.splitlines()]
    assert result.code == 0 and max(widths) <= columns
    assert max(widths) > columns - 15  # wrapped near the width, not at a fixed 80
