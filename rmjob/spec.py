"""The run spec: one YAML document describing one reward-model training run.

A spec may start from a built-in preset (``base: pairwise``) and override any field; presets are
YAML files in ``rmjob/presets``. Loading validates everything (``rmjob.schema``) and turns the first
problem into one ``UserError`` line that names the field and, for a misspelled key, the nearest one.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

from rmjob.bounded_yaml import load_package_yaml, load_yaml_file
from rmjob.errors import UserError
from rmjob.modes import DATA_DIR, MODES, Mode, Split, output_file_name
from rmjob.platform import Platform, load_platform
from rmjob.runtime_env import ENV_NAME
from rmjob.schema import Invalid, Section, field, to_dict, validate
from rmjob.secret_scan import credential_paths, secret_looking
from rmjob.yaml_writer import dump_yaml

PRESET_DIR = Path(__file__).with_name("presets")
# RayJob names are at most 47 characters (KubeRay); the run name gets "-" and an 8-hex spec hash.
MAX_RUN_NAME = 47 - 9
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
# Spec data fields -> the converter's split names.
SPLITS: tuple[tuple[str, Split], ...] = (("train", "train"), ("val", "test"))
# PersistentVolumeClaim and Secret names are DNS-1123 subdomains.
DNS_1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
# An image reference as the container runtime parses it: [registry[:port]/]path[:tag][@digest]
# (distribution/reference's grammar, lowercase path components).
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"


@cache
def image_ref() -> re.Pattern[str]:
    """Compiled on first use: most renders name no image, and compiling costs about a millisecond."""
    return re.compile(
        r"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
        r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?/)?"
        rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
        r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
    )


# Template text travels inside the RayJob's entrypoint; a rubric is a few KB.
MAX_TEXT_CHARS = 32 * 1024
MAX_EXAMPLES = 32


Family = Literal["qwen3", "qwen2.5", "llama3", "other"]
# Families whose chat template has its own thinking switch and which reason by default.
REASONING_FAMILIES = {"qwen3"}
# Worker nodes of one run; the chart's values.schema.json caps workers.nodes at the same number.
MAX_NODES = 256
# Each section below is a frozen record that ``parse_spec`` fills through ``rmjob.schema``, strictly:
# YAML's `true` or "2" is not a node count; no inf/nan reaches verl's command line.


def _dns_1123_subdomain(value: str, what: str) -> str:
    if len(value) > 253 or not DNS_1123_SUBDOMAIN.match(value):
        raise ValueError(
            f"{value!r} is not a {what} name (lowercase letters, digits, '-' and '.', at most 253 characters)"
        )
    return value


class ModelSpec(Section):
    """The judge model to train and how its chat template is driven."""

    # Hugging Face id or path inside the pods.
    path: str = field(min_length=1)
    family: Family = "qwen3"
    # None: reasoning families (Qwen3) think through the chat template; others do not. This is
    # rm-kit's choice, not the seed's (its scripts turn the chat template's thinking on for every
    # model); with template.output_format=rm-kit, a model that does not think natively is asked for a
    # <think> block in the prompt instead.
    thinking: bool | None = None

    @property
    def enable_thinking(self) -> bool:
        return self.family in REASONING_FAMILIES if self.thinking is None else self.thinking


def _pod_paths(files: list[str]) -> list[str]:
    # Read inside the pods: a relative path would resolve against the job's working directory.
    for file in files:
        if not (file.startswith("/") or re.match(r"^[a-z][a-z0-9+.-]*://", file)):
            raise ValueError(
                f"{file!r} is relative; give the absolute path inside the pods "
                "(the data volume is mounted at /mnt/data) or a URL such as hdfs://..."
            )
    return files


class DataSpec(Section):
    """Training and validation parquet files, as the pods see them."""

    train_files: list[str] = field(check=_pod_paths, min_length=1)
    val_files: list[str] = field(check=_pod_paths, min_length=1)


def _claim_name(value: str) -> str:
    return _dns_1123_subdomain(value, "PersistentVolumeClaim")


class StorageSpec(Section):
    """PersistentVolumeClaims mounted at the platform paths (the chart creates these by default)."""

    data_claim: str = field(default="rm-cluster-data", check=_claim_name)
    checkpoints_claim: str = field(default="rm-cluster-checkpoints", check=_claim_name)
    models_claim: str = field(default="rm-cluster-models", check=_claim_name)


def _cluster_name(value: str | None) -> str | None:
    if value is not None and not DNS_1035.match(value):
        raise ValueError(f"{value!r} is not a RayCluster name (lowercase letters, digits and '-')")
    return value


def _image_reference(value: str | None) -> str | None:
    if value is not None and (len(value) > 512 or not image_ref().match(value)):
        raise ValueError(
            f"{value!r} is not an image reference (registry/repository[:tag][@sha256:digest], "
            "lowercase repository)"
        )
    return value


def _known_shape(value: str | None, platform: Platform) -> str | None:
    shapes = platform.node_shapes
    if value is not None and value not in shapes:
        raise ValueError(f"unknown node shape {value!r}{_nearest(value, shapes)}; known: {', '.join(shapes)}")
    return value


class ClusterSpec(Section):
    """Where the job runs: a shared RayCluster or one per job, its size, images and timeouts."""

    # Reuse a long-lived RayCluster by name (the chart's), or null for a cluster per job.
    reuse: str | None = field(default="rm-cluster", check=_cluster_name)
    nodes: int = field(default=1, ge=1, le=MAX_NODES)
    gpus_per_node: int = field(default=8, ge=1)
    node_shape: str | None = field(default=None, context_check=_known_shape)
    image: str | None = field(default=None, check=_image_reference)
    submitter_image: str | None = field(default=None, check=_image_reference)
    ttl_seconds_after_finished: int = field(default=3600, ge=0)
    active_deadline_seconds: int | None = field(default=None, gt=0)
    storage: StorageSpec = StorageSpec()

    @property
    def ephemeral(self) -> bool:
        return self.reuse is None

    def _validate_after(self, platform: Platform) -> None:
        shape_name = self.node_shape or platform.default_node_shape
        shape = platform.node_shapes[shape_name]
        if self.gpus_per_node != shape.gpus:
            raise ValueError(
                f"gpus_per_node={self.gpus_per_node} but node shape {shape_name} has {shape.gpus} GPUs"
            )


class TrainingSpec(Section):
    """The verl settings users change; everything else is reachable through ``verl_overrides``."""

    train_batch_size: int = field(gt=0)
    max_prompt_length: int = field(gt=0)
    max_response_length: int = field(gt=0)
    lr: float = field(gt=0)
    ppo_mini_batch_size: int = field(gt=0)
    micro_batch_size_per_gpu: int = field(gt=0)
    rollout_n: int = field(gt=0)
    tensor_parallel_size: int = field(gt=0)
    # verl's rollout engine: vLLM on GPUs; "hf" (transformers generate) needs no vLLM install and
    # lets the tiny presets run verl's driver on a CPU machine up to the GPU check.
    rollout: Literal["vllm", "hf"] = "vllm"
    gpu_memory_utilization: float = field(gt=0, le=1)
    use_kl_loss: bool
    kl_loss_coef: float = field(ge=0)
    kl_loss_type: Literal["kl", "abs", "mse", "low_var_kl", "full"]
    entropy_coeff: float = field(ge=0)
    ref_param_offload: bool
    # Move the actor's FSDP parameters / Adam states to CPU while vLLM generates (verl reloads them
    # for the update): the cheapest way to make a large model fit; `rmjob check` says when it is needed.
    actor_param_offload: bool = False
    actor_optimizer_offload: bool = False
    remove_padding: bool
    gradient_checkpointing: bool
    save_freq: int
    test_freq: int
    total_epochs: int = field(gt=0)
    val_before_train: bool = True
    filter_overlong_prompts: bool = True
    # verl's handling of a prompt over max_prompt_length (rl_dataset.py). rm-kit's datasets drop such
    # prompts before verl sees them, so "error" only guards that promise; the seed sets "right".
    truncation: Literal["error", "left", "right", "middle"] = "error"
    # Deprecated in verl 0.4.1 (it warns and validates in one batch when unset); the seed sets 192.
    val_batch_size: int | None = field(default=None, gt=0)

    def _validate_after(self, platform: Platform) -> None:
        if self.train_batch_size % self.ppo_mini_batch_size:
            raise ValueError(
                f"ppo_mini_batch_size={self.ppo_mini_batch_size} must divide "
                f"train_batch_size={self.train_batch_size}"
            )


def _secret_name(value: str | None) -> str | None:
    return value if value is None else _dns_1123_subdomain(value, "Secret")


def _secret_key(value: str) -> str:
    if not SECRET_KEY.match(value):
        raise ValueError(f"{value!r} is not a Secret key (letters, digits, '-', '_' and '.')")
    return value


class LoggingSpec(Section):
    """Where verl logs: the console and, with a project, Weights & Biases."""

    console: bool = True
    wandb_project: str | None = None
    # Kubernetes Secret (and key) holding the W&B key; referenced, never read. None: the platform's.
    wandb_secret: str | None = field(default=None, check=_secret_name)
    wandb_secret_key: str = field(default="WANDB_API_KEY", check=_secret_key)
    experiment_name: str | None = None

    @property
    def loggers(self) -> list[str]:
        return (["console"] if self.console else []) + (["wandb"] if self.wandb_project else [])


OutputFormat = Literal["rm-kit", "seed"]


def _text(value: str | None) -> str | None:
    return value if value is None else shell_safe_text(value)


def _examples(value: list[str] | None) -> list[str] | None:
    if value is not None and len(value) > MAX_EXAMPLES:
        raise ValueError(f"has {len(value)} examples; at most {MAX_EXAMPLES}")
    return value if value is None else [shell_safe_text(v) for v in value]


class TemplateSpec(Section):
    """Swap the judge prompt's text; None keeps the built-in template's.

    ``output_format`` picks what the judge is asked to write: ``rm-kit`` (the tag alone for reasoning
    models, a ``<think>`` block then the tag otherwise) or ``seed`` (RM-Gallery's: a ``<reason>`` block,
    then the tag, whatever the model).
    """

    output_format: OutputFormat = "rm-kit"
    description: str | None = field(default=None, check=_text)
    rubric: str | None = field(default=None, check=_text)
    examples: list[str] | None = field(default=None, check=_examples)


def shell_safe_text(text: str) -> str:
    """Template text reaches verl through KubeRay's submitter shell and Ray's job shell.

    Both would expand ``$`` and backticks and mangle backslashes, and Hydra needs one quote
    character the text does not use; refuse what cannot arrive intact rather than corrupt it.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(
            f"is {len(text)} characters; at most {MAX_TEXT_CHARS} (it travels in the RayJob's command line)"
        )
    bad = sorted({c for c in text if c in "$`\\"})
    if bad:
        raise ValueError(
            f"contains {' '.join(bad)}, which the RayJob submitter's shell would alter; rephrase without it"
        )
    if "'" in text and '"' in text:
        raise ValueError(
            "uses both ' and \"; keep to one kind of quote (Hydra quotes the text with the other)"
        )
    if not text.strip():
        raise ValueError("is empty; leave the field out to keep the built-in text")
    return text


def _dns_name(value: str) -> str:
    if len(value) > MAX_RUN_NAME:
        raise ValueError(
            f"{value!r} is {len(value)} characters; at most {MAX_RUN_NAME} "
            "(KubeRay caps RayJob names at 47 and rmjob appends a 9-character spec hash)"
        )
    if not DNS_1035.match(value):
        raise ValueError(
            f"{value!r} is not a DNS-1035 label: use lowercase letters, digits and '-', "
            "starting with a letter"
        )
    return value


def _plain_env(env: dict[str, str]) -> dict[str, str]:
    for key, value in env.items():
        if not ENV_NAME.match(key):
            raise ValueError(f"{key!r} is not an environment variable name")
        if secret_looking(key, value):
            raise ValueError(
                f"{key} looks like a secret; put it in a Kubernetes Secret and reference it "
                "(logging.wandb_secret, or the chart's secret references), not in the spec"
            )
    return env


class RunSpec(Section):
    """One training run: the document ``rmjob render`` turns into a RayJob."""

    name: str = field(check=_dns_name)
    mode: Mode
    model: ModelSpec
    data: DataSpec
    cluster: ClusterSpec = ClusterSpec()
    training: TrainingSpec
    logging: LoggingSpec = LoggingSpec()
    template: TemplateSpec = TemplateSpec()
    # Extra environment for the job (merged over runtime_env.yaml); never secrets.
    env: dict[str, str] = field(default_factory=dict, check=_plain_env)
    # Raw Hydra overrides for verl, checked against verl's config keys at render time.
    verl_overrides: list[str] = field(default_factory=list)

    @classmethod
    def _validate_before(cls, data: Any, platform: Platform) -> Any:
        found = credential_paths(data)
        if found:
            raise ValueError(
                f"{found[0]} holds a URL with credentials (user:password@ or a token parameter); "
                "keep credentials in a Kubernetes Secret, never in the spec"
            )
        return _data_of_mode(data, platform)

    def _validate_after(self, platform: Platform) -> None:
        tp, gpus = self.training.tensor_parallel_size, self.cluster.gpus_per_node
        if gpus % tp:
            raise ValueError(f"training.tensor_parallel_size={tp} must divide cluster.gpus_per_node={gpus}")


def _data_of_mode(data: Any, platform: Platform) -> Any:
    """No ``data`` section: the converter's files for the mode (modes table) on the data volume."""
    mode = data.get("mode") if isinstance(data, dict) else None
    # A mode of the wrong type (a list, a mapping) is left for field validation to report.
    if isinstance(mode, str) and mode in MODES and "data" not in data:
        root = f"{platform.paths.data}/{DATA_DIR}"
        files = {
            f"{split}_files": [f"{root}/{output_file_name(data['mode'], test)}"] for split, test in SPLITS
        }
        data = {**data, "data": files}
    return data


def _nearest(word: str, choices: Any) -> str:
    import difflib  # only for a message: kept off the start-up of every render

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _describe(error: Invalid) -> str:
    where = ".".join(str(p) for p in error.loc) or "spec"
    if error.kind == "unknown":
        return f"unknown key {where!r}{_nearest(str(error.loc[-1]), error.known)}"
    if error.kind == "missing":
        return f"missing key {where!r}"
    if error.kind == "check":
        return f"{where}: {error.message}" if error.loc else error.message
    return f"{where}: {error.message} (got {_short_repr(error.value)})"


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def _read_yaml(path: Path, label: str, packaged: bool = False) -> dict[str, Any]:
    # The package's own presets parse with libyaml; what a user wrote goes through the bounded reader.
    data = load_package_yaml(path) if packaged else load_yaml_file(path, label)
    if not isinstance(data, dict):
        raise UserError(f"{label} {path} must be a YAML mapping of spec sections (name, mode, model, ...)")
    return data


def _resolve(data: dict[str, Any], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """Apply ``base: PRESET`` chains, the later file overriding the earlier one."""
    base = data.pop("base", None)
    if base is None:
        return data
    if base in seen:
        raise UserError(f"preset chain loops back to {base!r}: {' -> '.join((*seen, base))}")
    return _deep_merge(_resolve(_preset_data(str(base)), (*seen, str(base))), data)


def _preset_data(name: str) -> dict[str, Any]:
    path = PRESET_DIR / f"{name}.yaml"
    if not path.is_file():
        names = preset_names()
        raise UserError(
            f"unknown preset {name!r}{_nearest(name, names)}; presets: {', '.join(names)} "
            "(or pass a spec file path)"
        )
    # `base: ../x` leaves the preset directory: that file is the user's, not the package's.
    return _read_yaml(path, "preset", packaged=path.parent == PRESET_DIR)


def resolve_data(spec_or_preset: str) -> tuple[dict[str, Any], Path | None]:
    """The merged raw spec for a preset name or spec file, and the file's directory (None for presets)."""
    path = Path(spec_or_preset)
    if path.suffix in (".yaml", ".yml", ".json") or path.exists() or "/" in spec_or_preset:
        if not path.exists():
            raise UserError(f"spec file {path} does not exist (presets: {', '.join(preset_names())})")
        return _resolve(_read_yaml(path, "spec file")), path.resolve().parent
    return _resolve(_preset_data(spec_or_preset), (spec_or_preset,)), None


def parse_spec(data: dict[str, Any], source: str = "spec", platform: Platform | None = None) -> RunSpec:
    try:
        return validate(RunSpec, data, platform or load_platform())
    except Invalid as exc:
        raise UserError(f"{source}: {_describe(exc)}") from None


def load_spec(spec_or_preset: str, platform: Platform | None = None) -> RunSpec:
    """A spec file or preset, validated against ``platform`` (default: the package's ``platform.yaml``)."""
    data, _ = resolve_data(spec_or_preset)
    return parse_spec(data, spec_or_preset, platform)


def spec_to_yaml(spec: RunSpec) -> str:
    """A full spec as YAML a user can copy, edit and pass back to ``rmjob render``."""
    return dump_yaml(to_dict(spec), width=100)
