"""verl rows from clean HelpSteer2 rows, built column-wise with Arrow, and their parquet schemas.

A row is ``data_source``, ``prompt`` (chat messages: the full judge prompt, rendered by the default
template for a reasoning model), ``ability``, ``reward_model: {style: rule, ground_truth}`` and
``extra_info``. ``extra_info`` keeps the raw material (conversation, response(s)) so the verl dataset
class can re-render the prompt with the run's template and thinking flag; see ``rmjob.train.datasets``.

Input is a block of clean rows as an Arrow table (see ``CLEAN_COLUMNS``; ``rmjob.data.columnar`` makes
it). Python touches each distinct prompt once, to hash its id and split; everything else (stripping,
conversations and their rendering (``rmjob.data.conversations``), splicing them and the responses into
the template's fixed text, labels, both presentation orders of a pair) is an Arrow kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from rmjob.data.arrays import int32s, int64s, integer, one_array, repeated, strings, text
from rmjob.data.conversations import MESSAGE_FIELDS, conversation_columns
from rmjob.data.helpsteer2 import ATTRIBUTES, BadRow
from rmjob.data.kernels import call, cast, count_true, has_empty, keep, stripped, take
from rmjob.data.split import SplitRule, prompt_id
from rmjob.modes import DATA_SOURCES, Mode
from rmjob.train.templates import PromptTemplate, render_conversation, template_for

ABILITY = "judge"
# The stored prompt suits a reasoning model and plain RLHFDataset; our dataset class re-renders it.
STORED_PROMPT_THINKING = True
# Stand-ins while the template is rendered once: the judge text of any prompt is spliced around them.
SLOT_MARKERS = ("\x00rmjob-response-1\x00", "\x00rmjob-response-2\x00")
CONVERSATION_MARKER = "\x00rmjob-conversation\x00"
# Columns of a clean block, besides ``line`` (int64): text columns are raw, integers int64.
CLEAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "pointwise": ("prompt", "response", *ATTRIBUTES),
    "pairwise": ("prompt", "response_1", "response_2", "preference_strength", "split"),
}


@dataclass(frozen=True)
class Prompts:
    """A clean block's distinct prompts: stripped texts, ids and splits, and each row's prompt."""

    of_row: Any  # row -> index of its prompt in the arrays below (Arrow int32)
    texts: Any  # stripped exactly as str.strip() strips (Arrow string)
    ids: Any  # prompt_id of each text (Arrow string)
    splits: Any  # "train" / "test" by the split rule (Arrow string)


def block_prompts(clean: Any, split_rule: SplitRule) -> Prompts:
    """The block's ``Prompts``; an empty prompt raises ``BadRow``. The converter calls this in its
    reading thread (hashing is a third of the per-block Python work), or ``SampleBuilder.build`` does."""
    import pyarrow as pa

    encoded = call("dictionary_encode", one_array(clean.column("prompt")))
    texts = _stripped(encoded.dictionary, "prompt")
    utf8 = cast(texts, pa.binary()).to_pylist()
    ids = strings([prompt_id(prompt) for prompt in utf8])
    return Prompts(encoded.indices, texts, ids, strings([split_rule(prompt) for prompt in utf8]))


@dataclass
class Built:
    """One block's samples per split, as record batches without ``extra_info.index``."""

    columns: dict[str, dict[str, Any]]  # split -> leaf name -> array
    prompt_ids: dict[str, Any]  # split -> ids of the prompts with samples there (an Arrow array)


class SampleBuilder:
    """Turns clean blocks of one mode into per-split sample columns (bad prompts raise ``BadRow``)."""

    def __init__(self, mode: Mode, split_rule: SplitRule) -> None:
        self.mode = mode
        self.template: PromptTemplate = template_for(DATA_SOURCES[mode])
        self.slots = SLOT_MARKERS[: len(self.template.response_slots)]
        self.split_rule = split_rule
        self.frame = [text(fixed) for fixed in self._frame()]

    def build(
        self,
        clean: Any,
        file_name: str,
        official_split: str,
        split_from_file: bool,
        prompts: Prompts | None = None,
    ) -> Built:
        """``split_from_file``: pointwise official split (the file's) or pairwise official (the row's).
        ``prompts``: ``block_prompts`` of this block, when already made."""
        if prompts is None:
            prompts = block_prompts(clean, self.split_rule)
        per_prompt = self._per_prompt(prompts)
        clean = clean.drop_columns(["prompt"]).append_column("prompt_index", prompts.of_row)
        if self.mode == "pointwise":
            if split_from_file:
                split = repeated("train" if official_split == "train" else "test", clean.num_rows)
            else:
                split = take(prompts.splits, prompts.of_row)
        else:
            row_split = one_array(clean.column("split"))
            random_split = take(prompts.splits, prompts.of_row)
            split = call("coalesce", row_split, random_split) if split_from_file else random_split
        built = Built({}, {})
        # Each split's rows are picked first, so every column is built once, in its split.
        for name in ("train", "test"):
            chosen = call("equal", split, text(name))
            rows = clean if count_true(chosen) == clean.num_rows else keep(clean, chosen)
            leaves = self._leaves(rows, per_prompt, file_name, official_split)
            built.columns[name] = leaves
            built.prompt_ids[name] = call("unique", leaves["prompt_id"])
        return built

    def _leaves(self, rows: Any, per_prompt: dict[str, Any], file_name: str, official_split: str) -> Any:
        """One split's leaf columns: ``rows`` of the clean block, ``per_prompt`` its prompts' columns."""
        import pyarrow as pa

        prompt_index = one_array(rows.column("prompt_index"))
        if self.mode == "pairwise":
            return self._pairs(rows, per_prompt, prompt_index, file_name)
        n = rows.num_rows
        response = _stripped(rows.column("response"))
        leaves: dict[str, Any] = {
            "source_file": repeated(file_name, n),
            "source_line": one_array(rows.column("line")),
            "prompt_id": take(per_prompt["prompt_id"], prompt_index),
            "conversation": take(per_prompt["conversation"], prompt_index),
            "source_split": repeated(official_split, n),
            "content": self._judge_text(take(per_prompt["rendered"], prompt_index), response),
            "ground_truth": one_array(cast(rows.column("helpfulness"), pa.string())),
            "response": response,
        }
        for name in ATTRIBUTES:
            leaves[name] = one_array(cast(rows.column(name), pa.int8()))
        return leaves

    def _pairs(self, rows: Any, per_prompt: dict[str, Any], prompt_index: Any, file_name: str) -> Any:
        """Both presentation orders of each pair: row i gives samples 2i (response_1 as A) and 2i+1."""
        import pyarrow as pa

        n = rows.num_rows
        twice = int64s(i // 2 for i in range(2 * n))
        interleave = int64s(i // 2 + (i % 2) * n for i in range(2 * n))

        def orders(unswapped: Any, swapped: Any) -> Any:
            return take(pa.concat_arrays([unswapped, swapped]), interleave)

        first = _stripped(rows.column("response_1"))
        second = _stripped(rows.column("response_2"))
        strength = one_array(rows.column("preference_strength"))
        sign = call("sign", strength)
        tie, below = call("equal", sign, integer(0)), call("less", sign, integer(0))
        label = call("if_else", tie, text("tie"), call("if_else", below, text("A"), text("B")))
        flipped = call("if_else", tie, text("tie"), call("if_else", below, text("B"), text("A")))
        prompt_twice = take(prompt_index, twice)
        response_a, response_b = orders(first, second), orders(second, first)
        return {
            "source_file": repeated(file_name, 2 * n),
            "source_line": take(one_array(rows.column("line")), twice),
            "prompt_id": take(per_prompt["prompt_id"], prompt_twice),
            "conversation": take(per_prompt["conversation"], prompt_twice),
            "source_split": take(call("coalesce", one_array(rows.column("split")), text("")), twice),
            "content": self._judge_text(take(per_prompt["rendered"], prompt_twice), response_a, response_b),
            "ground_truth": orders(label, flipped),
            "response_a": response_a,
            "response_b": response_b,
            "preference_strength": take(cast(strength, pa.int8()), twice),
            "swapped": cast(int64s(i % 2 for i in range(2 * n)), pa.bool_()),
        }

    def _per_prompt(self, prompts: Prompts) -> dict[str, Any]:
        """Each distinct prompt's ``prompt_id``, ``conversation`` and ``rendered`` columns."""
        conversation, rendered = conversation_columns(prompts.texts)
        return {"prompt_id": prompts.ids, "conversation": conversation, "rendered": rendered}

    def _judge_text(self, rendered: Any, *responses: Any) -> Any:
        """Rows' full judge prompts: the template's fixed text around conversation and responses."""
        before, after_conversation, *after_slots = self.frame
        parts = [before, rendered, after_conversation]
        for response, after in zip(responses, after_slots, strict=True):
            parts += [response, after]
        return call("binary_join_element_wise", *parts, text(""))

    def _frame(self) -> list[str]:
        """The template rendered once around stand-ins, cut into its fixed text: before the
        conversation, after it, and after each response slot (tests pin that the joins equal the
        template's own rendering)."""
        stand_in = [{"role": "user", "content": CONVERSATION_MARKER}]
        rendered = self.template.render(stand_in, self.slots, enable_thinking=STORED_PROMPT_THINKING)
        before, _, rest = rendered.partition(render_conversation(stand_in))
        fixed = [before]
        for marker in self.slots:
            piece, _, rest = rest.partition(marker)
            fixed.append(piece)
        return [*fixed, rest]


def sample_batch(mode: Mode, split: str, leaves: dict[str, Any], first_index: int) -> Any:
    """A split's leaf columns as a record batch of ``schema_for(mode)``; indexes from ``first_index``."""
    import pyarrow as pa

    n = len(leaves["content"])
    schema = schema_for(mode)
    prompt = _list_of_one(
        pa.StructArray.from_arrays([repeated("user", n), leaves["content"]], MESSAGE_FIELDS)
    )
    reward = pa.StructArray.from_arrays(
        [repeated("rule", n), leaves["ground_truth"]], ["style", "ground_truth"]
    )
    generated = {"index": int64s(range(first_index, first_index + n)), "split": repeated(split, n)}
    info_type = schema.field("extra_info").type
    info = pa.StructArray.from_arrays(
        [generated[f.name] if f.name in generated else leaves[f.name] for f in info_type],
        fields=list(info_type),
    )
    columns = [repeated(DATA_SOURCES[mode], n), prompt, repeated(ABILITY, n), reward, info]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _stripped(column: Any, what: str = "response") -> Any:
    """``column`` stripped exactly as str.strip() strips; a value left empty raises ``BadRow``."""
    values = one_array(stripped(column))
    if has_empty(values):
        raise BadRow(f"empty_{what}", f"a {what} is empty")  # the line-by-line path tells which
    return values


def _list_of_one(values: Any) -> Any:
    import pyarrow as pa

    return pa.ListArray.from_arrays(int32s(range(len(values) + 1)), values)


def _extra_fields(mode: str) -> list[tuple[str, Any]]:
    """The mode's own ``extra_info`` fields as (name, pyarrow type factory)."""
    import pyarrow as pa

    if mode == "pointwise":
        return [("response", pa.string), *((name, pa.int8) for name in ATTRIBUTES)]
    return [
        ("response_a", pa.string),
        ("response_b", pa.string),
        ("preference_strength", pa.int8),
        ("swapped", pa.bool_),
    ]


@cache
def schema_for(mode: str) -> Any:
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    extra = [
        ("index", pa.int64()),
        ("split", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("source_split", pa.string()),
        ("prompt_id", pa.string()),
        ("conversation", pa.list_(message)),
        *((name, factory()) for name, factory in _extra_fields(mode)),
    ]
    return pa.schema(
        [
            ("data_source", pa.string()),
            ("prompt", pa.list_(message)),
            ("ability", pa.string()),
            ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
            ("extra_info", pa.struct(extra)),
        ]
    )


def pointwise_schema() -> Any:
    return schema_for("pointwise")


def pairwise_schema() -> Any:
    return schema_for("pairwise")
