"""The tiny offline judge: loads through verl's and transformers' own loaders, honours enable_thinking."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from rmjob.train.tiny_model import TinyShape, write_tiny_model

RMJOB = str(Path(sys.executable).parent / "rmjob")
MESSAGES = [{"role": "user", "content": "Rate the response. End with <score>N</score>."}]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("models") / "tiny-qwen3")


def test_tiny_model_loads_with_verls_tokenizer_loader_and_transformers(tiny_dir: Path) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM
    from verl.utils import hf_tokenizer

    tokenizer = hf_tokenizer(str(tiny_dir))
    config = AutoConfig.from_pretrained(tiny_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    assert config.model_type == "qwen3"
    assert config.max_position_embeddings >= 4096 + 2048  # the presets' prompt + response lengths
    assert model.get_input_embeddings().num_embeddings == len(tokenizer)
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token_id is not None


def test_chat_template_prefills_an_empty_think_block_only_when_thinking_is_off(tiny_dir: Path) -> None:
    from verl.utils import hf_tokenizer

    tokenizer = hf_tokenizer(str(tiny_dir))
    on = tokenizer.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    off = tokenizer.apply_chat_template(
        MESSAGES, tokenize=False, add_generation_prompt=True, enable_thinking=False
    )
    assert on.endswith("<|im_start|>assistant\n")
    assert off == on + "<think>\n\n</think>\n\n"
    ids = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, enable_thinking=False)
    assert tokenizer.decode(ids) == off  # byte-level BPE: exact round trip, think tags kept


def test_tiny_model_generates_on_cpu(tiny_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    ids = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    assert out.shape == (1, ids.shape[1] + 4)


def test_same_seed_same_weights_and_rewrite_replaces_the_directory_whole(tmp_path: Path) -> None:
    first = write_tiny_model(tmp_path / "a", TinyShape(layers=1), seed=3)
    digest = hashlib.sha256((first / "model.safetensors").read_bytes()).hexdigest()
    (first / "stale.txt").write_text("from an older model")
    again = write_tiny_model(tmp_path / "a", TinyShape(layers=1), seed=3)
    assert hashlib.sha256((again / "model.safetensors").read_bytes()).hexdigest() == digest
    assert not (again / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # no staging or retired directories left
    assert all(f.stat().st_mode & 0o044 == 0o044 for f in again.iterdir())  # readable by the job's user


def test_cli_tiny_model_on_a_regular_file_is_one_line_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.write_text("not a directory")
    proc = subprocess.run([RMJOB, "dev", "tiny-model", str(target)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "not a directory" in proc.stderr
