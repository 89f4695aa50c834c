"""The model's shape: its own ``config.json`` when readable here, else the table in ``models.yaml``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TABLE_FILE = Path(__file__).with_name("models.yaml")


@dataclass(frozen=True)
class ModelShape:
    source: str
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool
    max_position_embeddings: int | None
    rope_scaling: Any = None

    @property
    def layer_params(self) -> int:
        """Attention (q, k, v, o) and the gated MLP of one decoder layer; norms and biases are noise."""
        h, q, kv = (
            self.hidden_size,
            self.num_attention_heads * self.head_dim,
            self.num_key_value_heads * self.head_dim,
        )
        return h * q + 2 * h * kv + q * h + 3 * h * self.intermediate_size

    @property
    def params(self) -> int:
        embeddings = self.vocab_size * self.hidden_size * (1 if self.tie_word_embeddings else 2)
        return embeddings + self.num_hidden_layers * self.layer_params


def _shape(config: dict[str, Any], source: str) -> ModelShape:
    text = config.get("text_config") or config.get("llm_config") or config
    heads = int(text["num_attention_heads"])
    return ModelShape(
        source=source,
        hidden_size=int(text["hidden_size"]),
        num_hidden_layers=int(text["num_hidden_layers"]),
        num_attention_heads=heads,
        num_key_value_heads=int(text.get("num_key_value_heads") or heads),
        head_dim=int(text.get("head_dim") or int(text["hidden_size"]) // heads),
        intermediate_size=int(text["intermediate_size"]),
        vocab_size=int(text["vocab_size"]),
        tie_word_embeddings=bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", False))),
        max_position_embeddings=text.get("max_position_embeddings"),
        rope_scaling=text.get("rope_scaling"),
    )


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Any]]:
    return dict(yaml.safe_load(TABLE_FILE.read_text()))


def local_model_dir(model_path: str, spec_dir: Path | None) -> Path | None:
    """The model's directory here: the path itself (a local directory, or the models volume when it is
    mounted at the same path, as in a pod) or relative to the spec file."""
    candidates = [Path(model_path)]
    if spec_dir is not None:
        candidates.append(spec_dir / model_path)
    return next((c for c in candidates if (c / "config.json").is_file()), None)


def model_shape(model_path: str, spec_dir: Path | None) -> ModelShape | None:
    local = local_model_dir(model_path, spec_dir)
    if local is not None:
        config = json.loads((local / "config.json").read_text())
        return _shape(config, f"{local / 'config.json'}")
    entry = _table().get(model_path)
    return _shape(entry, f"rm-kit's table for {model_path} (models.yaml)") if entry else None


def known_models() -> list[str]:
    return sorted(_table())
