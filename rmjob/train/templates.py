"""Judge prompt templates: task description, rubric, optional examples, the conversation, the
response(s) and an output-format section.

The output-format section has two styles (``OUTPUT_FORMATS``):

- ``rm-kit`` (the default; rm-kit's own choice, not the seed's): with ``enable_thinking=True`` (a
  reasoning model such as Qwen3, whose chat template thinks on its own) it asks for the final tag
  alone; with ``enable_thinking=False`` (Qwen2.5) it asks for a ``<think>...</think>`` block first.
- ``seed`` (the ``*-seed`` presets): RM-Gallery's output, a ``<reason>`` block and then the tag,
  whatever the model. Its scripts also turn the chat template's thinking on for every model, so a
  Qwen3 judge thinks natively and then writes the reason as well.

Both end in the same tag, so one parser scores either. Users swap the description, rubric and
examples from the run spec (``JudgeText.with_overrides``); the structure and the format section stay
fixed because the reward parser depends on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rmjob.modes import PAIRWISE, POINTWISE

ROLE_LABELS = {"user": "[User]", "assistant": "[Assistant]"}
OUTPUT_FORMATS = ("rm-kit", "seed")


@dataclass(frozen=True)
class JudgeText:
    """The parts of a judge prompt a user may replace."""

    description: str
    rubric: str
    examples: tuple[str, ...] = ()

    def with_overrides(
        self,
        description: str | None = None,
        rubric: str | None = None,
        examples: Sequence[str] | None = None,
    ) -> JudgeText:
        """A copy with the given parts replaced; ``None`` keeps the default."""
        return replace(
            self,
            description=self.description if description is None else description,
            rubric=self.rubric if rubric is None else rubric,
            examples=self.examples if examples is None else tuple(examples),
        )


def render_conversation(conversation: Sequence[Mapping[str, str]]) -> str:
    """Turns as labelled blocks, so a multi-turn prompt reads as a dialogue, not separator tokens."""
    blocks = (f"{ROLE_LABELS.get(turn['role'], turn['role'])}\n{turn['content']}" for turn in conversation)
    return "\n\n".join(blocks)


class PromptTemplate:
    """Base judge template; subclasses name the response slots and the answer tag."""

    data_source: ClassVar[str]
    default_text: ClassVar[JudgeText]
    answer_instruction: ClassVar[str]
    response_slots: ClassVar[tuple[str, ...]]

    def __init__(self, text: JudgeText | None = None, output_format: str = "rm-kit") -> None:
        if output_format not in OUTPUT_FORMATS:
            known = ", ".join(OUTPUT_FORMATS)
            raise ValueError(f"output_format must be one of {known}, got {output_format!r}")
        self.text = text or self.default_text
        self.output_format = output_format

    def render(
        self,
        conversation: Sequence[Mapping[str, str]],
        responses: Sequence[str],
        *,
        enable_thinking: bool,
    ) -> str:
        if len(responses) != len(self.response_slots):
            raise ValueError(
                f"{type(self).__name__} takes {len(self.response_slots)} response(s), got {len(responses)}"
            )
        sections = [self.text.description.strip(), f"# Rubric\n{self.text.rubric.strip()}"]
        if self.text.examples:
            sections.append(
                "# Examples\n"
                + "\n\n".join(f"## Example {n}\n{ex.strip()}" for n, ex in enumerate(self.text.examples, 1))
            )
        dialogue = render_conversation(conversation)
        sections.append(f"# Conversation\n<conversation>\n{dialogue}\n</conversation>")
        for slot, response in zip(self.response_slots, responses, strict=True):
            tag = slot.lower().replace(" ", "_")
            sections.append(f"# {slot}\n<{tag}>\n{response}\n</{tag}>")
        sections.append(f"# Output format\n{self.format_section(enable_thinking)}")
        return "\n\n".join(sections)

    def format_section(self, enable_thinking: bool) -> str:
        lowered = f"{self.answer_instruction[0].lower()}{self.answer_instruction[1:]}"
        if self.output_format == "seed":
            return (
                "Explain your judgement first, inside a <reason>...</reason> block. "
                f"After the closing </reason>, {lowered}"
            )
        if enable_thinking:
            return self.answer_instruction
        return (
            "First reason step by step inside a <think>...</think> block. "
            f"After the closing </think>, {lowered}"
        )

    def messages(
        self,
        conversation: Sequence[Mapping[str, str]],
        responses: Sequence[str],
        *,
        enable_thinking: bool,
    ) -> list[dict[str, str]]:
        """The judge prompt as verl's chat messages (one user turn)."""
        content = self.render(conversation, responses, enable_thinking=enable_thinking)
        return [{"role": "user", "content": content}]


class PointwiseTemplate(PromptTemplate):
    data_source = POINTWISE
    response_slots = ("Response",)
    answer_instruction = (
        "End your answer with the rating as <score>N</score>, where N is a single integer from 0 to 4. "
        "Write the tag exactly once."
    )
    default_text = JudgeText(
        description=(
            "You are an impartial judge. Read the conversation between a user and an AI assistant, then rate "
            "how helpful the assistant's response to the user's last turn is."
        ),
        rubric=(
            "Rate overall helpfulness on a 0-4 scale; weigh correctness, completeness, coherence and a level "
            "of detail that fits the request.\n"
            "4: fully helpful: correct, complete and directly useful; nothing important is missing.\n"
            "3: mostly helpful: minor omissions, small inaccuracies or needless verbosity.\n"
            "2: partly helpful: addresses the request but misses key parts or contains notable errors.\n"
            "1: barely helpful: largely off target, wrong or confusing.\n"
            "0: not helpful at all: irrelevant, wrong throughout, or refuses without reason."
        ),
    )


class PairwiseTemplate(PromptTemplate):
    data_source = PAIRWISE
    response_slots = ("Response A", "Response B")
    answer_instruction = (
        "End your answer with your verdict as <preference>A</preference> if Response A is more helpful, "
        "<preference>B</preference> if Response B is more helpful, or <preference>tie</preference> if "
        "they are equally helpful. Write the tag exactly once."
    )
    default_text = JudgeText(
        description=(
            "You are an impartial judge. Read the conversation between a user and an AI assistant and two "
            "candidate responses to the user's last turn, then decide which response is more helpful."
        ),
        rubric=(
            "Judge overall helpfulness: correctness first, then completeness, coherence and a level of "
            "detail that fits the request. Ignore the order the responses are shown in, and length as "
            "such. Call a tie only when neither response is meaningfully better."
        ),
    )


TEMPLATES: dict[str, type[PromptTemplate]] = {t.data_source: t for t in (PointwiseTemplate, PairwiseTemplate)}


# The extra_info fields that hold a row's response(s), in the template's slot order.
RESPONSE_FIELDS: dict[str, tuple[str, ...]] = {
    POINTWISE: ("response",),
    PAIRWISE: ("response_a", "response_b"),
}


def row_messages(
    row: Mapping[str, Any],
    templates: Mapping[str, PromptTemplate],
    *,
    enable_thinking: bool,
    prompt_key: str = "prompt",
) -> list[dict[str, str]]:
    """The judge prompt for a verl row, re-rendered from its raw material with the run's templates.

    Training (``rmjob.train.datasets``) and eval (``rmjob.eval``) both call this, so eval asks exactly
    what training optimised. Rows without the raw material keep their stored ``prompt``.
    """
    template = templates.get(row.get("data_source", ""))
    info = row.get("extra_info") or {}
    conversation = info.get("conversation")
    if template is None or not conversation:
        return list(row[prompt_key])
    responses = [info[field] for field in RESPONSE_FIELDS[template.data_source]]
    return template.messages(conversation, responses, enable_thinking=enable_thinking)


def chat_text(tokenizer: Any, messages: Sequence[Mapping[str, str]], *, enable_thinking: bool) -> str:
    """The prompt text the model reads: the chat template with the generation prompt and thinking flag."""
    return tokenizer.apply_chat_template(
        list(messages), add_generation_prompt=True, tokenize=False, enable_thinking=enable_thinking
    )


def template_for(
    data_source: str,
    description: str | None = None,
    rubric: str | None = None,
    examples: Sequence[str] | None = None,
    output_format: str = "rm-kit",
) -> PromptTemplate:
    """The template for a data source, with the user's replacements over its default text."""
    try:
        cls = TEMPLATES[data_source]
    except KeyError:
        known = ", ".join(sorted(TEMPLATES))
        raise ValueError(f"no judge template for data_source {data_source!r}; known: {known}") from None
    return cls(cls.default_text.with_overrides(description, rubric, examples), output_format)
