from __future__ import annotations

import pytest

from rmjob.modes import PAIRWISE, POINTWISE
from rmjob.train.templates import PairwiseTemplate, PointwiseTemplate, template_for

CONVERSATION = [
    {"role": "user", "content": "How do I boil an egg?"},
    {"role": "assistant", "content": "Put it in boiling water."},
    {"role": "user", "content": "For how long?"},
]


def test_reasoning_model_format_does_not_ask_for_a_think_block() -> None:
    text = PointwiseTemplate().render(CONVERSATION, ["Nine minutes."], enable_thinking=True)
    assert "<think>" not in text
    assert "<score>N</score>" in text


def test_non_reasoning_model_format_asks_for_a_think_block_first() -> None:
    text = PairwiseTemplate().render(CONVERSATION, ["Nine.", "Two."], enable_thinking=False)
    output_format = text.split("# Output format")[1]
    assert output_format.index("<think>...</think>") < output_format.index("<preference>A</preference>")


def test_conversation_renders_as_labelled_turns_in_order() -> None:
    text = PointwiseTemplate().render(CONVERSATION, ["Nine minutes."], enable_thinking=True)
    body = text.split("<conversation>\n")[1].split("\n</conversation>")[0]
    assert body == (
        "[User]\nHow do I boil an egg?\n\n[Assistant]\nPut it in boiling water.\n\n[User]\nFor how long?"
    )
    assert "<extra_id_1>" not in text


def test_pairwise_shows_both_responses_in_their_slots() -> None:
    text = PairwiseTemplate().render(CONVERSATION, ["first", "second"], enable_thinking=True)
    assert "<response_a>\nfirst\n</response_a>" in text
    assert "<response_b>\nsecond\n</response_b>" in text
    assert text.index("<response_a>") < text.index("<response_b>") < text.index("# Output format")


def test_user_text_replaces_the_defaults_and_examples_are_numbered() -> None:
    template = template_for(POINTWISE, description="Grade like a teacher.", examples=["ex one", "ex two"])
    text = template.render(CONVERSATION, ["r"], enable_thinking=True)
    assert text.startswith("Grade like a teacher.")
    assert PointwiseTemplate.default_text.rubric in text  # rubric kept
    assert "## Example 1\nex one\n\n## Example 2\nex two" in text


def test_no_examples_section_by_default() -> None:
    assert "# Examples" not in template_for(PAIRWISE).render(CONVERSATION, ["a", "b"], enable_thinking=True)


def test_wrong_number_of_responses_is_refused() -> None:
    with pytest.raises(ValueError, match="takes 2 response"):
        PairwiseTemplate().render(CONVERSATION, ["only one"], enable_thinking=True)


def test_unknown_data_source_has_no_template() -> None:
    with pytest.raises(ValueError, match="no judge template"):
        template_for("gsm8k")


@pytest.mark.parametrize("enable_thinking", [True, False])
def test_seed_format_asks_for_a_reason_block_then_the_tag_whatever_the_model(enable_thinking: bool) -> None:
    template = template_for(PAIRWISE, output_format="seed")
    text = template.render(CONVERSATION, ["Nine.", "Two."], enable_thinking=enable_thinking)
    output_format = text.split("# Output format")[1]
    assert output_format.index("<reason>...</reason>") < output_format.index("<preference>A</preference>")
    assert "<think>" not in output_format


def test_an_unknown_output_format_is_refused() -> None:
    with pytest.raises(ValueError, match="output_format must be one of rm-kit, seed"):
        template_for(POINTWISE, output_format="gallery")
