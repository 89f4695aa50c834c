"""The run spec: one YAML document describing one reward-model training run.

A spec may start from a built-in preset (``base: pairwise``) and override any field; presets are
YAML files in ``rmjob/presets``. Loading validates everything with pydantic and turns the first
problem into one ``UserError`` line that names the field and, for a misspelled key, the nearest one.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rmjob.bounded_yaml import load_yaml_file
from rmjob.errors import UserError
from rmjob.modes import DATA_DIR, MODES, Mode, Split, output_file_name
from rmjob.platform import Platform, load_platform
from rmjob.runtime_env import ENV_NAME
from rmjob.secret_scan import credential_paths, secret_looking

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
IMAGE_REF = re.compile(
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


class _Section(BaseModel):
    # strict: YAML's `true` or "2" is not a node count; no inf/nan reaches verl's command line.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _dns_1123_subdomain(value: str, what: str) -> str:
    if len(value) > 253 or not DNS_1123_SUBDOMAIN.match(value):
        raise ValueError(
            f"{value!r} is not a {what} name (lowercase letters, digits, '-' and '.', at most 253 characters)"
        )
    return value


class ModelSpec(_Section):
    path: str = Field(min_length=1, description="Hugging Face id or path inside the pods")
    family: Family = "qwen3"
    # None: reasoning families (Qwen3) think through the chat template; others do not. This is
    # rm-kit's choice, not the seed's (its scripts turn the chat template's thinking on for every
    # model); with template.output_format=rm-kit, a model that does not think natively is asked for a
    # <think> block in the prompt instead.
    thinking: bool | None = None

    @property
    def enable_thinking(self) -> bool:
        return self.family in REASONING_FAMILIES if self.thinking is None else self.thinking


class DataSpec(_Section):
    train_files: list[str] = Field(min_length=1)
    val_files: list[str] = Field(min_length=1)

    @field_validator("train_files", "val_files")
    @classmethod
    def _pod_paths(cls, files: list[str]) -> list[str]:
        # Read inside the pods: a relative path would resolve against the job's working directory.
        for file in files:
            if not (file.startswith("/") or re.match(r"^[a-z][a-z0-9+.-]*://", file)):
                raise ValueError(
                    f"{file!r} is relative; give the absolute path inside the pods "
                    "(the data volume is mounted at /mnt/data) or a URL such as hdfs://..."
                )
        return files


class StorageSpec(_Section):
    """PersistentVolumeClaims mounted at the platform paths (the chart creates these by default)."""

    data_claim: str = "rm-cluster-data"
    checkpoints_claim: str = "rm-cluster-checkpoints"
    models_claim: str = "rm-cluster-models"

    @field_validator("data_claim", "checkpoints_claim", "models_claim")
    @classmethod
    def _claim_name(cls, value: str) -> str:
        return _dns_1123_subdomain(value, "PersistentVolumeClaim")


class ClusterSpec(_Section):
    # Reuse a long-lived RayCluster by name (the chart's), or null for a cluster per job.
    reuse: str | None = "rm-cluster"
    nodes: int = Field(default=1, ge=1, le=256)
    gpus_per_node: int = Field(default=8, ge=1)
    node_shape: str | None = None
    image: str | None = None
    submitter_image: str | None = None
    ttl_seconds_after_finished: int = Field(default=3600, ge=0)
    active_deadline_seconds: int | None = Field(default=None, gt=0)
    storage: StorageSpec = StorageSpec()

    @property
    def ephemeral(self) -> bool:
        return self.reuse is None

    @field_validator("reuse")
    @classmethod
    def _cluster_name(cls, value: str | None) -> str | None:
        if value is not None and not DNS_1035.match(value):
            raise ValueError(f"{value!r} is not a RayCluster name (lowercase letters, digits and '-')")
        return value

    @field_validator("image", "submitter_image")
    @classmethod
    def _image_reference(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 512 or not IMAGE_REF.match(value)):
            raise ValueError(
                f"{value!r} is not an image reference (registry/repository[:tag][@sha256:digest], "
                "lowercase repository)"
            )
        return value

    @field_validator("node_shape")
    @classmethod
    def _known_shape(cls, value: str | None, info: ValidationInfo) -> str | None:
        shapes = _platform(info).node_shapes
        if value is not None and value not in shapes:
            raise ValueError(
                f"unknown node shape {value!r}{_nearest(value, shapes)}; known: {', '.join(shapes)}"
            )
        return value

    @model_validator(mode="after")
    def _gpus_match_shape(self, info: ValidationInfo) -> ClusterSpec:
        platform = _platform(info)
        shape_name = self.node_shape or platform.default_node_shape
        shape = platform.node_shapes[shape_name]
        if self.gpus_per_node != shape.gpus:
            raise ValueError(
                f"gpus_per_node={self.gpus_per_node} but node shape {shape_name} has {shape.gpus} GPUs"
            )
        return self


def _platform(info: ValidationInfo) -> Platform:
    """The platform a spec is validated against (``parse_spec`` passes it as the validation context)."""
    return info.context["platform"] if info.context else load_platform()


class TrainingSpec(_Section):
    """The verl settings users change; everything else is reachable through ``verl_overrides``."""

    train_batch_size: int = Field(gt=0)
    max_prompt_length: int = Field(gt=0)
    max_response_length: int = Field(gt=0)
    lr: float = Field(gt=0)
    ppo_mini_batch_size: int = Field(gt=0)
    micro_batch_size_per_gpu: int = Field(gt=0)
    rollout_n: int = Field(gt=0)
    tensor_parallel_size: int = Field(gt=0)
    # verl's rollout engine: vLLM on GPUs; "hf" (transformers generate) needs no vLLM install and
    # lets the tiny presets run verl's driver on a CPU machine up to the GPU check.
    rollout: Literal["vllm", "hf"] = "vllm"
    gpu_memory_utilization: float = Field(gt=0, le=1)
    use_kl_loss: bool
    kl_loss_coef: float = Field(ge=0)
    kl_loss_type: Literal["kl", "abs", "mse", "low_var_kl", "full"]
    entropy_coeff: float = Field(ge=0)
    ref_param_offload: bool
    # Move the actor's FSDP parameters / Adam states to CPU while vLLM generates (verl reloads them
    # for the update): the cheapest way to make a large model fit; `rmjob check` says when it is needed.
    actor_param_offload: bool = False
    actor_optimizer_offload: bool = False
    remove_padding: bool
    gradient_checkpointing: bool
    save_freq: int
    test_freq: int
    total_epochs: int = Field(gt=0)
    val_before_train: bool = True
    filter_overlong_prompts: bool = True
    # verl's handling of a prompt over max_prompt_length (rl_dataset.py). rm-kit's datasets drop such
    # prompts before verl sees them, so "error" only guards that promise; the seed sets "right".
    truncation: Literal["error", "left", "right", "middle"] = "error"
    # Deprecated in verl 0.4.1 (it warns and validates in one batch when unset); the seed sets 192.
    val_batch_size: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _batches_divide(self) -> TrainingSpec:
        if self.train_batch_size % self.ppo_mini_batch_size:
            raise ValueError(
                f"ppo_mini_batch_size={self.ppo_mini_batch_size} must divide "
                f"train_batch_size={self.train_batch_size}"
            )
        return self


class LoggingSpec(_Section):
    console: bool = True
    wandb_project: str | None = None
    # Kubernetes Secret (and key) holding the W&B key; referenced, never read. None: the platform's.
    wandb_secret: str | None = None
    wandb_secret_key: str = "WANDB_API_KEY"
    experiment_name: str | None = None

    @field_validator("wandb_secret")
    @classmethod
    def _secret_name(cls, value: str | None) -> str | None:
        return value if value is None else _dns_1123_subdomain(value, "Secret")

    @field_validator("wandb_secret_key")
    @classmethod
    def _secret_key(cls, value: str) -> str:
        if not SECRET_KEY.match(value):
            raise ValueError(f"{value!r} is not a Secret key (letters, digits, '-', '_' and '.')")
        return value

    @property
    def loggers(self) -> list[str]:
        return (["console"] if self.console else []) + (["wandb"] if self.wandb_project else [])


OutputFormat = Literal["rm-kit", "seed"]


class TemplateSpec(_Section):
    """Swap the judge prompt's text; None keeps the built-in template's.

    ``output_format`` picks what the judge is asked to write: ``rm-kit`` (the tag alone for reasoning
    models, a ``<think>`` block then the tag otherwise) or ``seed`` (RM-Gallery's: a ``<reason>`` block,
    then the tag, whatever the model).
    """

    output_format: OutputFormat = "rm-kit"
    description: str | None = None
    rubric: str | None = None
    examples: list[str] | None = None

    @field_validator("description", "rubric")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return value if value is None else shell_safe_text(value)

    @field_validator("examples")
    @classmethod
    def _examples(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(value) > MAX_EXAMPLES:
            raise ValueError(f"has {len(value)} examples; at most {MAX_EXAMPLES}")
        return value if value is None else [shell_safe_text(v) for v in value]


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


class RunSpec(_Section):
    name: str
    mode: Mode
    model: ModelSpec
    data: DataSpec
    cluster: ClusterSpec = ClusterSpec()
    training: TrainingSpec
    logging: LoggingSpec = LoggingSpec()
    template: TemplateSpec = TemplateSpec()
    # Extra environment for the job (merged over runtime_env.yaml); never secrets.
    env: dict[str, str] = {}
    # Raw Hydra overrides for verl, checked against verl's config keys at render time.
    verl_overrides: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _data_of_mode(cls, data: Any, info: ValidationInfo) -> Any:
        """No ``data`` section: the converter's files for the mode (modes table) on the data volume."""
        mode = data.get("mode") if isinstance(data, dict) else None
        # A mode of the wrong type (a list, a mapping) is left for field validation to report.
        if isinstance(mode, str) and mode in MODES and "data" not in data:
            root = f"{_platform(info).paths.data}/{DATA_DIR}"
            files = {
                f"{split}_files": [f"{root}/{output_file_name(data['mode'], test)}"] for split, test in SPLITS
            }
            data = {**data, "data": files}
        return data

    @field_validator("name")
    @classmethod
    def _dns_name(cls, value: str) -> str:
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

    @model_validator(mode="before")
    @classmethod
    def _no_credentials_in_urls(cls, data: Any) -> Any:
        found = credential_paths(data)
        if found:
            raise ValueError(
                f"{found[0]} holds a URL with credentials (user:password@ or a token parameter); "
                "keep credentials in a Kubernetes Secret, never in the spec"
            )
        return data

    @field_validator("env")
    @classmethod
    def _plain_env(cls, env: dict[str, str]) -> dict[str, str]:
        for key, value in env.items():
            if not ENV_NAME.match(key):
                raise ValueError(f"{key!r} is not an environment variable name")
            if secret_looking(key, value):
                raise ValueError(
                    f"{key} looks like a secret; put it in a Kubernetes Secret and reference it "
                    "(logging.wandb_secret, or the chart's secret references), not in the spec"
                )
        return env

    @model_validator(mode="after")
    def _parallelism_fits(self) -> RunSpec:
        tp, gpus = self.training.tensor_parallel_size, self.cluster.gpus_per_node
        if gpus % tp:
            raise ValueError(f"training.tensor_parallel_size={tp} must divide cluster.gpus_per_node={gpus}")
        return self


def _nearest(word: str, choices: Any) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _model_at(path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the field at ``path`` (for suggesting nearby keys)."""
    model: type[BaseModel] | None = RunSpec
    for part in path:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model


def _describe(error: Any) -> str:
    loc = tuple(error["loc"])
    where = ".".join(str(p) for p in loc) or "spec"
    if error["type"] == "extra_forbidden":
        owner = _model_at(loc[:-1])
        known = owner.model_fields if owner else {}
        return f"unknown key {where!r}{_nearest(str(loc[-1]), known)}"
    if error["type"] == "missing":
        return f"missing key {where!r}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("value_error", "assertion_error"):
        return f"{where}: {message}" if loc else message
    return f"{where}: {message} (got {_short_repr(error.get('input'))})"


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


def _read_yaml(path: Path, label: str) -> dict[str, Any]:
    data = load_yaml_file(path, label)
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
    return _read_yaml(path, "preset")


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
        return RunSpec.model_validate(data, context={"platform": platform or load_platform()})
    except ValidationError as exc:
        raise UserError(f"{source}: {_describe(exc.errors()[0])}") from None


def load_spec(spec_or_preset: str, platform: Platform | None = None) -> RunSpec:
    """A spec file or preset, validated against ``platform`` (default: the package's ``platform.yaml``)."""
    data, _ = resolve_data(spec_or_preset)
    return parse_spec(data, spec_or_preset, platform)


def spec_to_yaml(spec: RunSpec) -> str:
    """A full spec as YAML a user can copy, edit and pass back to ``rmjob render``."""
    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, width=100)
