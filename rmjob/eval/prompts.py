"""The judge prompts eval asks, built with training's own templates and thinking setting.

HelpSteer2 rows go through ``rmjob.train.templates.row_messages``, the function the training dataset
class uses, so eval renders byte for byte what training optimised. RM-Bench items use the pairwise
template with the item's prompt as a one-turn conversation. Pure: no tokenizer, no model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rmjob.eval.rmbench import Comparison, Item
from rmjob.modes import PAIRWISE, POINTWISE
from rmjob.train.templates import PromptTemplate, row_messages, template_for

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class JudgeSettings:
    """What shapes the prompt: the thinking flag, the output format and the template text (None keeps
    the default), as the training spec's ``model.enable_thinking`` and ``template`` set them."""

    enable_thinking: bool = True
    description: str | None = None
    rubric: str | None = None
    examples: tuple[str, ...] | None = None
    output_format: str = "rm-kit"

    def templates(self) -> dict[str, PromptTemplate]:
        return {
            source: template_for(source, self.description, self.rubric, self.examples, self.output_format)
            for source in (POINTWISE, PAIRWISE)
        }

    def summary(self) -> dict[str, Any]:
        custom = [name for name in ("description", "rubric", "examples") if getattr(self, name) is not None]
        return {
            "enable_thinking": self.enable_thinking,
            "output_format": self.output_format,
            "template_overrides": custom,
        }


def rmbench_messages(
    item: Item, comparison: Comparison, template: PromptTemplate, enable_thinking: bool
) -> Messages:
    conversation = [{"role": "user", "content": item.prompt}]
    return template.messages(conversation, comparison.responses(item), enable_thinking=enable_thinking)


def helpsteer2_messages(row: Mapping[str, Any], settings: JudgeSettings) -> Messages:
    return row_messages(row, settings.templates(), enable_thinking=settings.enable_thinking)
