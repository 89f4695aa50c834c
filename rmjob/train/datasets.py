"""verl ``data.custom_cls`` datasets that render the judge prompt for the model family being trained.

verl 0.4 has no ``data.apply_chat_template_kwargs``, so turning Qwen3's thinking on or off needs a
dataset class. The converter writes verl rows whose ``prompt`` is rendered with the default template
(reasoning-model format) and keeps the raw material in ``extra_info`` (``conversation``, ``response``
or ``response_a``/``response_b``). These classes re-render the prompt from that material with the
run's judge settings, so one parquet serves both model families:

    +data.judge.enable_thinking=<bool>        (always set by the RayJob; true when absent)
    +data.judge.output_format=rm-kit|seed      (rm-kit when absent; see rmjob.train.templates)
    +data.judge.description=<str>             (optional template overrides)
    +data.judge.rubric=<str>
    +data.judge.examples=[<str>, ...]

``enable_thinking`` switches the chat template's thinking. With ``output_format=rm-kit`` it also
picks the format section: True (Qwen3) asks for the tag alone, False (Qwen2.5) for a ``<think>`` block
first. With ``output_format=seed`` the format section asks for ``<reason>`` then the tag either way.
Rows without the raw material (someone else's parquet) keep their own ``prompt``.

Prompts longer than ``data.max_prompt_length`` are always dropped (with a count in the log), whatever
``data.filter_overlong_prompts`` says: truncating a judge prompt cuts the response or the output
format, which turns the sample into noise. Text only: a ``processor`` is refused.

verl loads this file by path (``verl.utils.import_utils.load_extern_type``): absolute imports only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import datasets
import verl.utils.torch_functional as verl_F
from verl.utils.dataset.rl_dataset import RLHFDataset
from verl.utils.model import compute_position_id_with_mask

from rmjob.modes import PAIRWISE, POINTWISE
from rmjob.train.templates import PromptTemplate, chat_text, row_messages, template_for

logger = logging.getLogger(__name__)

TOKENIZE_BATCH = 256


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class BaseTrainDataset(RLHFDataset):
    """Either HelpSteer2 mode, chosen per row by ``data_source``; subclasses accept one mode only."""

    data_sources: ClassVar[tuple[str, ...]] = (POINTWISE, PAIRWISE)

    def __init__(self, data_files, tokenizer, config, processor=None):
        if processor is not None:
            raise ValueError(f"{type(self).__name__} is text-only; the judge model must not use a processor")
        judge = config.get("judge") or {}
        self.enable_thinking = _flag(judge.get("enable_thinking", True))
        examples = judge.get("examples")
        if isinstance(examples, str):  # a single example given without brackets
            examples = [examples]
        self.templates: dict[str, PromptTemplate] = {
            source: template_for(
                source,
                description=judge.get("description"),
                rubric=judge.get("rubric"),
                examples=None if examples is None else [str(e) for e in examples],
                output_format=str(judge.get("output_format", "rm-kit")),
            )
            for source in self.data_sources
        }
        super().__init__(data_files=data_files, tokenizer=tokenizer, config=config, processor=processor)

    # -- prompt rendering -------------------------------------------------------------------------

    def judge_messages(self, row: Mapping[str, Any]) -> list[dict[str, str]]:
        """The judge prompt for this run's template and thinking flag."""
        return row_messages(
            row, self.templates, enable_thinking=self.enable_thinking, prompt_key=self.prompt_key
        )

    def chat_text(self, messages: Sequence[Mapping[str, str]]) -> str:
        return chat_text(self.tokenizer, messages, enable_thinking=self.enable_thinking)

    # -- loading ----------------------------------------------------------------------------------

    def _read_files_and_tokenize(self):
        frames = [datasets.load_dataset("parquet", data_files=path)["train"] for path in self.data_files]
        self.dataframe = datasets.concatenate_datasets(frames)
        files = ", ".join(str(f) for f in self.original_data_files)
        rows = len(self.dataframe)
        if rows == 0:
            raise ValueError(f"{type(self).__name__}: no rows in {files}; run `rmjob data helpsteer2` first")
        self._check_sources(files)

        lengths = self._prompt_lengths()
        keep = [i for i, n in enumerate(lengths) if n <= self.max_prompt_length]
        dropped = rows - len(keep)
        if dropped:
            self.dataframe = self.dataframe.select(keep)
        message = (
            f"{type(self).__name__}: {rows} rows from {files}; dropped {dropped} prompts longer than "
            f"data.max_prompt_length={self.max_prompt_length} tokens (longest {max(lengths)}); "
            f"{len(keep)} left (enable_thinking={self.enable_thinking})"
        )
        print(message)
        if dropped:
            logger.warning(message)
        if not keep:
            raise ValueError(
                f"{type(self).__name__}: all {rows} prompts in {files} are longer than "
                f"data.max_prompt_length={self.max_prompt_length} tokens (shortest {min(lengths)}); "
                "raise max_prompt_length so the dataset is not empty"
            )

    def _check_sources(self, files: str) -> None:
        found = set(self.dataframe.unique("data_source"))
        unexpected = sorted(found - set(self.data_sources))
        if unexpected:
            raise ValueError(
                f"{type(self).__name__} reads {', '.join(self.data_sources)} rows, but {files} holds "
                f"{', '.join(unexpected)}; pick the dataset class that matches the training mode"
            )

    def _prompt_lengths(self) -> list[int]:
        lengths: list[int] = []
        for start in range(0, len(self.dataframe), TOKENIZE_BATCH):
            batch = self.dataframe[start : start + TOKENIZE_BATCH]
            rows = [dict(zip(batch, values, strict=True)) for values in zip(*batch.values(), strict=True)]
            texts = [self.chat_text(self.judge_messages(row)) for row in rows]
            encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
            lengths.extend(len(ids) for ids in encoded)
        return lengths

    # -- one sample -------------------------------------------------------------------------------

    def __getitem__(self, item):
        row: dict = self.dataframe[item]
        messages = self.judge_messages(row)
        row.pop(self.prompt_key, None)
        raw_prompt = self.chat_text(messages)

        model_inputs = self.tokenizer(raw_prompt, return_tensors="pt", add_special_tokens=False)
        input_ids, attention_mask = verl_F.postprocess_data(
            input_ids=model_inputs["input_ids"],
            attention_mask=model_inputs["attention_mask"],
            max_length=self.max_prompt_length,
            pad_token_id=self.tokenizer.pad_token_id,
            left_pad=True,
            truncation=self.truncation,
        )
        row["input_ids"] = input_ids[0]
        row["attention_mask"] = attention_mask[0]
        row["position_ids"] = compute_position_id_with_mask(attention_mask)[0]
        # Overlong prompts were dropped at load time, so these ids fit max_prompt_length.
        row["raw_prompt_ids"] = self.tokenizer.encode(raw_prompt, add_special_tokens=False)
        if self.return_raw_chat:
            row["raw_prompt"] = messages
        if self.return_full_prompt:
            row["full_prompts"] = raw_prompt
        info = row.get("extra_info") or {}
        row["index"] = info.get("index", 0)
        row["tools_kwargs"] = {}
        row["interaction_kwargs"] = {}
        return row


class PointwiseTrainDataset(BaseTrainDataset):
    """HelpSteer2 pointwise rows: one response, a 0-4 helpfulness score."""

    data_sources = (POINTWISE,)


class PairwiseTrainDataset(BaseTrainDataset):
    """HelpSteer2 pairwise rows: responses A and B, a preference A/B/tie."""

    data_sources = (PAIRWISE,)
