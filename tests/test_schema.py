"""rmjob.schema: strict types, bounds, checks and hooks, and the first problem in field order."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any, Literal

import pytest

from rmjob.schema import Invalid, Section, field, replace, to_dict, validate


def _even(value: int) -> int:
    if value % 2:
        raise ValueError(f"{value} is odd")
    return value


def _suffix(value: str | None, context: Any) -> str | None:
    return value if value is None else value + context


class Inner(Section):
    a: int = 1
    b: str | None = None


class Outer(Section):
    n: int = field(default=2, check=_even, ge=0, le=10)
    x: float = field(default=0.5, gt=0)
    s: str = field(default="s", min_length=1)
    files: list[str] = field(default_factory=lambda: ["f"], min_length=1)
    env: dict[str, str] = field(default_factory=dict)
    kind: Literal["a", "b", "c"] = "a"
    flag: bool = False
    inner: Inner = Inner()
    tagged: str | None = field(default=None, context_check=_suffix)
    required: int

    @classmethod
    def _validate_before(cls, data: Any, context: Any) -> Any:
        if isinstance(data, dict) and data.get("required") == "default":
            return {**data, "required": 7}
        return data

    def _validate_after(self, context: Any) -> None:
        if self.required < 0:
            raise ValueError("required must not be negative")


def problem(data: Any) -> Invalid:
    with pytest.raises(Invalid) as caught:
        validate(Outer, data, "!")
    return caught.value


@pytest.mark.parametrize(
    ("data", "loc", "message"),
    [
        ({"n": True}, ("n",), "Input should be a valid integer"),
        ({"n": "2"}, ("n",), "Input should be a valid integer"),
        ({"n": 2.0}, ("n",), "Input should be a valid integer"),
        ({"n": -2}, ("n",), "Input should be greater than or equal to 0"),
        ({"n": 12}, ("n",), "Input should be less than or equal to 10"),
        ({"n": 3}, ("n",), "3 is odd"),
        ({"x": 0}, ("x",), "Input should be greater than 0"),
        ({"x": True}, ("x",), "Input should be a valid number"),
        ({"x": "1.0"}, ("x",), "Input should be a valid number"),
        ({"x": 2**1100}, ("x",), "Input should be a valid number"),
        ({"x": math.inf}, ("x",), "Input should be a finite number"),
        ({"x": math.nan}, ("x",), "Input should be a finite number"),
        ({"s": ""}, ("s",), "String should have at least 1 character"),
        ({"s": 1}, ("s",), "Input should be a valid string"),
        ({"files": []}, ("files",), "List should have at least 1 item after validation, not 0"),
        ({"files": "f"}, ("files",), "Input should be a valid list"),
        ({"files": ["f", 2, None]}, ("files", 1), "Input should be a valid string"),
        ({"env": []}, ("env",), "Input should be a valid dictionary"),
        ({"env": {1: "x"}}, ("env", 1, "[key]"), "Input should be a valid string"),
        ({"env": {1: 2}}, ("env", 1, "[key]"), "Input should be a valid string"),
        ({"env": {"K": 1}}, ("env", "K"), "Input should be a valid string"),
        ({"kind": "d"}, ("kind",), "Input should be 'a', 'b' or 'c'"),
        ({"kind": ["a"]}, ("kind",), "Input should be 'a', 'b' or 'c'"),
        ({"flag": 1}, ("flag",), "Input should be a valid boolean"),
        ({"flag": "yes"}, ("flag",), "Input should be a valid boolean"),
        ({"inner": []}, ("inner",), "Input should be a valid dictionary or instance of Inner"),
        ({"inner": {"a": "1"}}, ("inner", "a"), "Input should be a valid integer"),
        ({"inner": {"b": 2}}, ("inner", "b"), "Input should be a valid string"),
        ({"required": -1}, (), "required must not be negative"),
        ({None: 1}, ("None",), "Keys should be strings"),
        ({3: 1}, (3,), "Keys should be strings"),
    ],
)
def test_problems_keep_the_wording_users_know(data, loc, message):
    found = problem({"required": 1, **data})
    assert (found.loc, found.message) == (loc, message)


def test_the_first_problem_in_field_order_wins_and_unknown_keys_come_last():
    found = problem({"zz": 1, "kind": "d", "n": "x"})
    assert (found.kind, found.loc) == ("type", ("n",))
    found = problem({"zz": 1, "inner": {"c": 1, "a": "x"}, "required": 1})
    assert found.loc == ("inner", "a")
    found = problem({"nn": 1, "required": 1})
    assert (found.kind, found.loc, found.known[:2]) == ("unknown", ("nn",), ("n", "x"))
    found = problem({"n": 2})
    assert (found.kind, found.loc) == ("missing", ("required",))


def test_the_value_as_given_is_reported_not_its_float():
    assert problem({"x": 0, "required": 1}).value == 0
    assert str(problem({"x": -1, "required": 1})) == "x: Input should be greater than 0"


def test_ints_become_floats_defaults_stay_unvalidated_and_hooks_run():
    out = validate(Outer, {"x": 3, "tagged": "t", "required": "default"}, "!")
    assert type(out.x) is float and out.x == 3.0
    assert out.tagged == "t!" and out.required == 7
    assert out.inner == Inner() and out.files == ["f"]
    with pytest.raises(AttributeError, match="frozen"):
        out.n = 4  # type: ignore[misc]


def test_to_dict_keeps_declaration_order_and_nests():
    out = validate(Outer, {"inner": {"b": "z"}, "required": 1})
    data = to_dict(out)
    assert list(data) == [
        "n",
        "x",
        "s",
        "files",
        "env",
        "kind",
        "flag",
        "inner",
        "tagged",
        "required",
    ]
    assert data["inner"] == {"a": 1, "b": "z"}
    assert validate(Outer, data) == out


def test_the_render_path_imports_no_pydantic():
    code = (
        "import sys\n"
        "from rmjob.platform import load_platform\n"
        "from rmjob.spec import load_spec\n"
        "from rmjob.render import render_rayjob\n"
        "from rmjob.runtime_env import load_runtime_env\n"
        "p = load_platform(); render_rayjob(load_spec('pairwise', p), {}, p)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_sections_are_keyword_records_that_compare_hash_and_copy_by_value():
    a = Inner(a=2)
    assert a == Inner(a=2, b=None) and a != Inner(a=3) and hash(a) == hash(Inner(a=2))
    assert repr(a) == "Inner(a=2, b=None)"
    assert replace(a, b="x") == Inner(a=2, b="x") and a.b is None
    assert Inner.a == 1  # the class shows plain defaults
    with pytest.raises(TypeError, match="unexpected keyword arguments c"):
        Inner(c=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing keyword argument 'required'"):
        Outer()  # type: ignore[call-arg]
    first, second = Outer(required=1), Outer(required=1)
    assert first.files is not second.files  # a default factory per instance


class _Base(Section):
    """A section others extend."""

    name: str
    size: int = 1


class _Extended(_Base):
    """Adds a field and changes a parent's default."""

    size: int = 2
    colour: str = "red"


def test_a_subsection_keeps_its_parents_fields_first_and_may_change_their_defaults():
    made = validate(_Extended, {"name": "x"})
    assert to_dict(made) == {"name": "x", "size": 2, "colour": "red"}
    with pytest.raises(Invalid, match="Field required"):
        validate(_Extended, {"colour": "blue"})
