"""The seed's data config (RM-Gallery's ``data_config.yaml``) mapped onto rmjob's converter.

The seed converts HelpSteer2 with a YAML file::

    dataset:
      name: helpsteer2_pointwise
      configs: {type: local, source: helpsteer2_pointwise, path: ./data/HelpSteer2/train.jsonl, limit: 1000}
      export:
        output_dir: ./examples/data/exports
        formats: [parquet]              # parquet, jsonl, json
        preserve_structure: true
        split_ratio: {train: 0.8, test: 0.2}

Here ``source`` picks the mode, ``split_ratio`` the train share of our prompt-grouped split (so no
prompt lands in both files, unlike the seed's per-response split), and bad rows are counted as in
``rmjob data helpsteer2``. Files are named as the seed's exporter names them: ``<source>_<split>``
with ``preserve_structure: true``, else ``<name>_<split>``. ``type: huggingface`` fetches HelpSteer2's
file for the mode from the hub (``HF_ENDPOINT`` picks a mirror; ``path`` may name a local copy of the
hub repository instead). Relative paths are read from the working directory, as the seed's are.
What the seed allows and rmjob cannot honour (no split, another source) is one ``UserError`` line.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from rmjob.data.convert import ConversionSummary, ConvertOptions, ProgressCallback, convert
from rmjob.data.parquet import DEFAULT_COMPRESSION
from rmjob.data.readers import check_input_file
from rmjob.errors import UserError
from rmjob.modes import DATA_SOURCES, Mode, Split, output_file_name

SOURCES: dict[str, Mode] = {source: mode for mode, source in DATA_SOURCES.items()}  # type: ignore[misc]
FORMATS = ("parquet", "jsonl", "json")
HUB_REPO = "nvidia/HelpSteer2"
# The file of the hub repository each mode reads (the seed's loader reads split "train").
HUB_FILES: dict[Mode, str] = {"pointwise": "train.jsonl.gz", "pairwise": "preference/preference.jsonl.gz"}
KNOWN_KEYS = {
    "dataset": {"name", "configs", "export"},
    "dataset.configs": {"type", "source", "path", "limit"},
    "dataset.export": {"output_dir", "formats", "preserve_structure", "split_ratio"},
}
EXPORT_BATCH_ROWS = 1024
HUB_PROBE_TIMEOUT_S = 10
SPLITS: tuple[Split, ...] = ("train", "test")


@dataclass(frozen=True)
class SeedDataConfig:
    name: str
    kind: Literal["local", "huggingface"]
    mode: Mode
    path: Path | None
    limit: int | None
    output_dir: Path
    formats: tuple[str, ...]
    preserve_structure: bool
    train_ratio: float

    @property
    def file_stem(self) -> str:
        """The seed exporter's prefix: the source with ``preserve_structure``, else the dataset name."""
        return DATA_SOURCES[self.mode] if self.preserve_structure else self.name

    def output_files(self) -> list[Path]:
        return [
            self.output_dir / f"{self.file_stem}_{split}.{fmt}" for fmt in self.formats for split in SPLITS
        ]


def _section(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise UserError(f"{where} must be a mapping")
    unknown = sorted(set(data) - KNOWN_KEYS[where])
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS[where]))
        raise UserError(f"{where}.{unknown[0]} is not a key rmjob reads (known: {known})")
    return data


def _require(section: dict[str, Any], key: str, where: str) -> Any:
    if section.get(key) is None:
        raise UserError(f"{where}.{key} is missing")
    return section[key]


def _read_config(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read data config {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        raise UserError(f"data config {path}{at} is not valid YAML text") from None


def load_seed_config(path: Path) -> SeedDataConfig:
    """Parse and check the seed's YAML; every problem is one line naming the key."""
    top = _read_config(path)
    if not isinstance(top, dict) or set(top) != {"dataset"}:
        raise UserError(
            f"data config {path}: expected one top-level key 'dataset' (the seed's data_config.yaml)"
        )
    dataset = _section(top["dataset"], "dataset")
    configs = _section(_require(dataset, "configs", "dataset"), "dataset.configs")
    export = _section(_require(dataset, "export", "dataset"), "dataset.export")

    kind = configs.get("type", "local")
    if kind not in ("local", "huggingface"):
        raise UserError(f"dataset.configs.type: {kind!r}; use local or huggingface")
    source = _require(configs, "source", "dataset.configs")
    if source not in SOURCES:
        raise UserError(
            f"dataset.configs.source: {source!r} is not a HelpSteer2 converter rmjob has; "
            f"use {' or '.join(SOURCES)}"
        )
    raw_path = configs.get("path")
    if kind == "local" and raw_path is None:
        raise UserError("dataset.configs.path is missing (type: local reads that file or directory)")
    limit = configs.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0):
        raise UserError(f"dataset.configs.limit: {limit!r}; use a positive number of rows")

    formats = export.get("formats", ["json"])  # the seed exporter's default
    if isinstance(formats, str):
        formats = [formats]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UserError(f"dataset.export.formats: {bad or formats!r}; choose from {', '.join(FORMATS)}")
    return SeedDataConfig(
        name=str(dataset.get("name") or source),
        kind=kind,
        mode=SOURCES[source],
        path=None if raw_path is None else Path(str(raw_path)),
        limit=limit,
        output_dir=Path(str(export.get("output_dir", "./exports"))),
        formats=tuple(dict.fromkeys(formats)),
        preserve_structure=bool(export.get("preserve_structure", False)),
        train_ratio=_train_ratio(export.get("split_ratio")),
    )


def _train_ratio(split_ratio: Any) -> float:
    if split_ratio is None:
        raise UserError(
            "dataset.export.split_ratio is missing: rmjob always writes a train and a test file; "
            "add split_ratio: {train: 0.8, test: 0.2}"
        )
    if not isinstance(split_ratio, dict) or set(split_ratio) != {"train", "test"}:
        raise UserError(f"dataset.export.split_ratio: {split_ratio!r}; use {{train: 0.8, test: 0.2}}")
    train, test = split_ratio["train"], split_ratio["test"]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (train, test))
    if not numbers or not 0 < train < 1 or abs(train + test - 1) > 1e-6:
        raise UserError(
            f"dataset.export.split_ratio: train {train!r} and test {test!r} must lie between 0 and 1 "
            "and add up to 1"
        )
    return float(train)


def fetch_from_hub(mode: Mode, mirror: Path | None) -> Path:
    """HelpSteer2's file for ``mode``: from a local copy of the hub repository, or downloaded."""
    name = HUB_FILES[mode]
    if mirror is not None:
        local = mirror / name
        if not local.is_file():
            raise UserError(f"dataset.configs.path {mirror}: no {name} (a local copy of {HUB_REPO} has one)")
        return local
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.constants import ENDPOINT, HF_HUB_OFFLINE
        from huggingface_hub.utils import logging as hub_logging
    except ImportError:
        raise UserError("type: huggingface needs huggingface_hub: pip install 'rmjob[data]'") from None
    advice = "set HF_ENDPOINT to a reachable mirror, or download HelpSteer2 and use type: local with path:"
    if not HF_HUB_OFFLINE:  # offline mode reads the local cache only
        unreachable = _unreachable(f"{ENDPOINT}/api/datasets/{HUB_REPO}")
        if unreachable:
            raise UserError(f"cannot reach the Hugging Face hub at {ENDPOINT} ({unreachable}); {advice}")
    hub_logging.set_verbosity_error()  # its retry warnings would bury the one line below
    try:
        return Path(hf_hub_download(HUB_REPO, name, repo_type="dataset"))
    except Exception as exc:  # HTTP, auth and cache errors of huggingface_hub all end the same way
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise UserError(
            f"cannot download {HUB_REPO}/{name} from {ENDPOINT}: {first[:200]}; {advice}"
        ) from None


def _unreachable(url: str) -> str | None:
    """Why ``url`` cannot be reached (no connection, no name, timeout), or None when it answers at all."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=HUB_PROBE_TIMEOUT_S):
            return None
    except urllib.error.HTTPError:
        return None  # it answered; the download reports what the status means
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return str(reason) or type(exc).__name__


def _limited_copy(src: Path, limit: int, staging: Path) -> Path:
    """The first ``limit`` rows of ``src`` as a file of the same kind (the seed's loader ``limit``)."""
    if src.is_dir():
        raise UserError(f"dataset.configs.limit needs path: to be one file, not the directory {src}")
    check_input_file(src)
    target = staging / f"first-{limit}-{src.name}"
    if src.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        pq.write_table(pq.read_table(src).slice(0, limit), target)
        return target
    import gzip

    opener: Any = gzip.open if src.name.endswith(".gz") else open
    with opener(src, "rb") as reader, opener(target, "wb") as writer:
        for count, line in enumerate(reader):
            if count >= limit:
                break
            writer.write(line)
    return target


def _json_rows(parquet: Path) -> Iterator[str]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(parquet).iter_batches(batch_size=EXPORT_BATCH_ROWS):
        for row in batch.to_pylist():
            yield json.dumps(row, ensure_ascii=False)


def _write_text_format(parquet: Path, target: Path, fmt: str) -> None:
    """The parquet's rows as JSON lines (``jsonl``) or one JSON array (``json``), streamed."""
    with target.open("w", encoding="utf-8") as out:
        if fmt == "jsonl":
            for row in _json_rows(parquet):
                out.write(row + "\n")
            return
        out.write("[")
        for n, row in enumerate(_json_rows(parquet)):
            out.write(("," if n else "") + "\n" + row)
        out.write("\n]\n")


def convert_seed_config(
    config: SeedDataConfig,
    *,
    seed: int = 42,
    ties: Literal["keep", "drop"] = "keep",
    strict: bool = False,
    progress: ProgressCallback | None = None,
    compression: str = DEFAULT_COMPRESSION,
) -> tuple[ConversionSummary, list[Path]]:
    """Run the converter for the config and write the formats it asks for; returns the files written.

    Everything is built in a hidden staging directory inside ``output_dir`` and renamed into place
    only at the end, so a failure leaves no half-written output.
    """
    if config.output_dir.exists() and not config.output_dir.is_dir():
        raise UserError(f"dataset.export.output_dir {config.output_dir} is a file; name a directory")
    if config.kind == "huggingface":
        src = fetch_from_hub(config.mode, config.path)
    else:
        assert config.path is not None  # load_seed_config requires it for local
        if not config.path.exists():
            raise UserError(f"dataset.configs.path {config.path}: no such file or directory")
        src = config.path
    config.output_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".rmjob-seed-config-", dir=config.output_dir))
    try:
        if config.limit is not None:
            src = _limited_copy(src, config.limit, staging)
        options = ConvertOptions(
            mode=config.mode,
            src=src,
            out=staging,
            train_ratio=config.train_ratio,
            seed=seed,
            ties=ties,
            strict=strict,
            compression=compression,
        )
        summary = convert(options, progress=progress)
        staged: list[tuple[Path, Path]] = []
        for split in SPLITS:
            parquet = staging / output_file_name(config.mode, split)
            for fmt in config.formats:
                final = config.output_dir / f"{config.file_stem}_{split}.{fmt}"
                built = parquet if fmt == "parquet" else staging / f"{split}.{fmt}"
                if fmt != "parquet":
                    _write_text_format(parquet, built, fmt)
                staged.append((built, final))
        for built, final in staged:
            os.replace(built, final)
        # Report what the user will find, not the staging files.
        summary.inputs = [config.path or src]
        summary.outputs = {
            s: config.output_dir / f"{config.file_stem}_{s}.{config.formats[0]}" for s in SPLITS
        }
        return summary, [final for _, final in staged]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
