"""verl rows from clean HelpSteer2 rows, built column-wise with Arrow, and their parquet schemas.

A row is ``data_source``, ``prompt`` (chat messages: the full judge prompt, rendered by the default
template for a reasoning model), ``ability``, ``reward_model: {style: rule, ground_truth}`` and
``extra_info``. ``extra_info`` keeps the raw material (conversation, response(s)) so the verl dataset
class can re-render the prompt with the run's template and thinking flag; see ``rmjob.train.datasets``.

Input is a block of clean rows as an Arrow table (see ``CLEAN_COLUMNS``; ``rmjob.data.columnar`` makes
it). Python touches each distinct prompt once (its conversation, id, split, and the judge text around
the response slots, rendered through the template); everything per row (stripping, splicing the
responses into the judge text, labels, both presentation orders of a pair) is an Arrow kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from rmjob.data.helpsteer2 import ATTRIBUTES, BadRow, Message, parse_conversation
from rmjob.data.split import prompt_id
from rmjob.modes import DATA_SOURCES, Mode
from rmjob.train.templates import PromptTemplate, render_conversation, template_for

ABILITY = "judge"
# The stored prompt suits a reasoning model and plain RLHFDataset; our dataset class re-renders it.
STORED_PROMPT_THINKING = True
# Stand-ins while the template is rendered once: the judge text of any prompt is spliced around them.
SLOT_MARKERS = ("\x00rmjob-response-1\x00", "\x00rmjob-response-2\x00")
CONVERSATION_MARKER = "\x00rmjob-conversation\x00"
# Distinct prompts whose work is kept: consecutive rows share a prompt, so a bounded cache suffices.
PROMPT_CACHE_SIZE = 1024
# Exactly the characters Python's str.strip() removes (Arrow's own whitespace set lacks \x1c-\x1f);
# a test checks it against str.isspace over all of Unicode.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Columns of a clean block, besides ``line`` (int64): text columns are raw, integers int64.
CLEAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "pointwise": ("prompt", "response", *ATTRIBUTES),
    "pairwise": ("prompt", "response_1", "response_2", "preference_strength", "split"),
}
SplitRule = Callable[[str], str]  # stripped prompt -> "train" / "test"


@dataclass(frozen=True)
class PromptWork:
    """What a distinct prompt text yields once: conversation, id, split, judge text around the slots."""

    conversation: list[Message]
    prompt_id: str
    split: str
    pieces: tuple[str, ...]


@dataclass
class Built:
    """One block's samples per split, as record batches without ``extra_info.index``."""

    columns: dict[str, dict[str, Any]]  # split -> leaf name -> array
    prompt_ids: dict[str, Any]  # split -> ids of the prompts with samples there (an Arrow array)
    ties: int = 0


class SampleBuilder:
    """Turns clean blocks of one mode into per-split sample columns (bad prompts raise ``BadRow``)."""

    def __init__(self, mode: Mode, split_rule: SplitRule) -> None:
        self.mode = mode
        self.template: PromptTemplate = template_for(DATA_SOURCES[mode])
        self.slots = SLOT_MARKERS[: len(self.template.response_slots)]
        self.split_rule = split_rule
        self.cache: dict[str, PromptWork] = {}
        self.frame = self._frame()

    def build(self, clean: Any, file_name: str, official_split: str, split_from_file: bool) -> Built:
        """``split_from_file``: pointwise official split (the file's) or pairwise official (the row's)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        prompts = pc.dictionary_encode(clean.column("prompt").combine_chunks())
        work = [self._work(text.strip()) for text in prompts.dictionary.to_pylist()]
        per_prompt = prompts.indices

        def each(values: list[Any], type_: Any) -> Any:
            return pa.array(values, type_).take(per_prompt)

        n = clean.num_rows
        leaves: dict[str, Any] = {
            "source_file": pa.array([file_name] * n, pa.string()),
            "source_line": clean.column("line").combine_chunks(),
            "prompt_id": each([w.prompt_id for w in work], pa.string()),
            "conversation": _messages(pa, [w.conversation for w in work]).take(per_prompt),
        }
        pieces = [each([w.pieces[i] for w in work], pa.string()) for i in range(len(self.slots) + 1)]
        if self.mode == "pointwise":
            if split_from_file:
                split = pa.array(["train" if official_split == "train" else "test"] * n, pa.string())
            else:
                split = each([w.split for w in work], pa.string())
            leaves["source_split"] = pa.array([official_split] * n, pa.string())
            response = _stripped(pc, clean.column("response"))
            leaves["content"] = pc.binary_join_element_wise(pieces[0], response, pieces[1], "")
            leaves["ground_truth"] = pc.cast(clean.column("helpfulness"), pa.string()).combine_chunks()
            leaves["response"] = response
            for name in ATTRIBUTES:
                leaves[name] = pc.cast(clean.column(name), pa.int8()).combine_chunks()
            return self._by_split(pa, pc, leaves, split)
        return self._pairs(pa, pc, clean, leaves, pieces, work, per_prompt, split_from_file)

    def _pairs(
        self,
        pa: Any,
        pc: Any,
        clean: Any,
        leaves: dict[str, Any],
        pieces: list[Any],
        work: list[PromptWork],
        per_prompt: Any,
        split_from_file: bool,
    ) -> Any:
        row_split = clean.column("split").combine_chunks()
        random_split = pa.array([w.split for w in work], pa.string()).take(per_prompt)
        split = pc.coalesce(row_split, random_split) if split_from_file else random_split
        leaves["source_split"] = pc.fill_null(row_split, "")
        first = _stripped(pc, clean.column("response_1"))
        second = _stripped(pc, clean.column("response_2"))
        strength = clean.column("preference_strength").combine_chunks()
        head, middle, tail = pieces
        # Both presentation orders: row i gives samples 2i (response_1 as A) and 2i+1 (swapped).
        n = clean.num_rows
        twice = pa.array([i // 2 for i in range(2 * n)], pa.int64())
        interleave = pa.array([i // 2 + (i % 2) * n for i in range(2 * n)], pa.int64())

        def orders(unswapped: Any, swapped: Any) -> Any:
            return pa.concat_arrays([unswapped, swapped]).take(interleave)

        sign = pc.sign(strength)
        label = pc.if_else(pc.equal(sign, 0), "tie", pc.if_else(pc.less(sign, 0), "A", "B"))
        flipped = pc.if_else(pc.equal(sign, 0), "tie", pc.if_else(pc.less(sign, 0), "B", "A"))
        pairs = {name: leaves[name].take(twice) for name in leaves}
        pairs["content"] = orders(
            pc.binary_join_element_wise(head, first, middle, second, tail, ""),
            pc.binary_join_element_wise(head, second, middle, first, tail, ""),
        )
        pairs["ground_truth"] = orders(label, flipped)
        pairs["response_a"] = orders(first, second)
        pairs["response_b"] = orders(second, first)
        pairs["preference_strength"] = pc.cast(strength, pa.int8()).take(twice)
        pairs["swapped"] = pa.array([bool(i % 2) for i in range(2 * n)], pa.bool_())
        return self._by_split(pa, pc, pairs, split.take(twice))

    def _by_split(self, pa: Any, pc: Any, leaves: dict[str, Any], split: Any) -> Built:
        built = Built({}, {})
        for name in ("train", "test"):
            mask = pc.equal(split, name)
            chosen = {key: value.filter(mask) for key, value in leaves.items()}
            built.columns[name] = chosen
            built.prompt_ids[name] = pc.unique(chosen["prompt_id"])
        return built

    def _work(self, prompt: str) -> PromptWork:
        found = self.cache.get(prompt)
        if found is None:
            if len(self.cache) >= PROMPT_CACHE_SIZE:
                self.cache.clear()
            conversation = parse_conversation(prompt)
            found = PromptWork(
                conversation, prompt_id(prompt), self.split_rule(prompt), self._pieces(conversation)
            )
            self.cache[prompt] = found
        return found

    def _pieces(self, conversation: list[Message]) -> tuple[str, ...]:
        before, after = self.frame
        return (before + render_conversation(conversation) + after[0], *after[1:])

    def _frame(self) -> tuple[str, tuple[str, ...]]:
        """The template rendered once around stand-ins: the text before the conversation, and the texts
        after it between the response slots. A prompt's judge text is then one join (tests pin that it
        equals the template's own rendering)."""
        stand_in = [{"role": "user", "content": CONVERSATION_MARKER}]
        rendered = self.template.render(stand_in, self.slots, enable_thinking=STORED_PROMPT_THINKING)
        before, _, rest = rendered.partition(render_conversation(stand_in))
        pieces: list[str] = []
        for marker in self.slots:
            piece, _, rest = rest.partition(marker)
            pieces.append(piece)
        return before, (*pieces, rest)


def sample_batch(mode: Mode, split: str, leaves: dict[str, Any], first_index: int) -> Any:
    """A split's leaf columns as a record batch of ``schema_for(mode)``; indexes from ``first_index``."""
    import pyarrow as pa

    n = len(leaves["content"])
    schema = schema_for(mode)
    user = pa.array(["user"] * n, pa.string())
    prompt = _list_of_one(pa, pa.StructArray.from_arrays([user, leaves["content"]], MESSAGE_FIELDS))
    reward = pa.StructArray.from_arrays(
        [pa.array(["rule"] * n, pa.string()), leaves["ground_truth"]], ["style", "ground_truth"]
    )
    generated = {
        "index": pa.array(range(first_index, first_index + n), pa.int64()),
        "split": pa.array([split] * n, pa.string()),
    }
    info_type = schema.field("extra_info").type
    info = pa.StructArray.from_arrays(
        [generated[f.name] if f.name in generated else leaves[f.name] for f in info_type],
        fields=list(info_type),
    )
    source = pa.array([DATA_SOURCES[mode]] * n, pa.string())
    ability = pa.array([ABILITY] * n, pa.string())
    return pa.RecordBatch.from_arrays([source, prompt, ability, reward, info], schema=schema)


MESSAGE_FIELDS = ["role", "content"]


def _stripped(pc: Any, column: Any) -> Any:
    stripped = pc.utf8_trim(column, WHITESPACE).combine_chunks()
    if len(stripped) and pc.min(pc.utf8_length(stripped)).as_py() == 0:
        raise BadRow("empty_response", "a response is empty")  # the line-by-line path tells which
    return stripped


def _list_of_one(pa: Any, values: Any) -> Any:
    return pa.ListArray.from_arrays(pa.array(range(len(values) + 1), pa.int32()), values)


def _messages(pa: Any, conversations: list[list[Message]]) -> Any:
    offsets, roles, contents = [0], [], []
    for conversation in conversations:
        for message in conversation:
            roles.append(message["role"])
            contents.append(message["content"])
        offsets.append(len(roles))
    flat = pa.StructArray.from_arrays(
        [pa.array(roles, pa.string()), pa.array(contents, pa.string())], MESSAGE_FIELDS
    )
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), flat)


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
