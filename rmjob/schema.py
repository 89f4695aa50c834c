"""Plain data (parsed YAML) -> frozen dataclasses, checked strictly, first problem reported.

rmjob validates three small documents: the run spec, ``platform.yaml`` and the preflight rules. A
general validation library cost more start-up time than the rest of ``rmjob render``, so this
module does just what those documents need.

A *section* is a ``@dataclass(frozen=True, kw_only=True)`` whose annotations are the accepted types:
``str``, ``int``, ``float``, ``bool``, ``Literal[...]``, ``list[T]``, ``dict[K, V]``, ``X | None``,
``X | Y``, ``Any`` and other sections. ``field(metadata=rules(...))`` adds bounds and checks. A section
may define two hooks: a classmethod ``_validate_before(cls, data, context)`` that sees (and may
rewrite) the raw input, and a method ``_validate_after(self, context)`` that sees the built object;
``context`` is whatever the caller of ``validate`` passes (the spec gets the platform).

Types are strict: YAML's ``true`` or ``"2"`` is not an int, a bool is not an int, an int is a fine
float (stored as a float), and inf/nan are refused. Errors use the wording users have seen since the
spec was checked with pydantic, so messages stay as they were.
"""

from __future__ import annotations

import dataclasses
import math
import types
from collections.abc import Callable
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")
# Where a value sits: section keys and list indexes from the top, as in "cluster.nodes".
Loc = tuple[str | int, ...]
# (value, where, context) -> the validated value, or raise Invalid.
Validator = Callable[[Any, Loc, Any], Any]
Check = Callable[[Any], Any]
ContextCheck = Callable[[Any, Any], Any]
Kind = Literal["unknown", "missing", "check", "type"]

_RULES_KEY = "rmjob.schema"


class Invalid(ValueError):
    """The first problem found in the input.

    ``kind`` is ``"unknown"`` (a key no field has; ``known`` lists the fields), ``"missing"`` (a
    required key), ``"check"`` (a check or hook refused the value: ``message`` is the whole story) or
    ``"type"`` (wrong type or out of bounds: ``value`` is what was given).
    """

    def __init__(
        self, loc: Loc, kind: Kind, message: str, value: Any = None, known: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.loc, self.kind, self.message, self.value, self.known = loc, kind, message, value, known

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.loc)
        return f"{where}: {self.message}" if where else self.message


@dataclasses.dataclass(frozen=True)
class Rules:
    """Bounds and checks of one field, applied after its type check (bounds skip ``None``)."""

    gt: float | None = None
    ge: float | None = None
    le: float | None = None
    min_length: int | None = None
    checks: tuple[Check, ...] = ()
    context_checks: tuple[ContextCheck, ...] = ()


def rules(
    *checks: Check,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    context_check: ContextCheck | None = None,
) -> dict[str, Rules]:
    """Field metadata: ``field(default=1, metadata=rules(ge=1))``.

    A check takes the value and returns it (possibly normalised) or raises ``ValueError`` with a
    message for the user; a ``context_check`` also gets the validation context.
    """
    context_checks = (context_check,) if context_check else ()
    return {_RULES_KEY: Rules(gt, ge, le, min_length, checks, context_checks)}


def validate(cls: type[T], data: Any, context: Any = None) -> T:
    """``data`` as a ``cls``, or ``Invalid`` naming the first problem in field order."""
    result: T = _section_validator(cls)(data, (), context)
    return result


def to_dict(section: Any) -> dict[str, Any]:
    """A section as plain data (fields in declaration order): for hashing, YAML and JSON."""
    return {f.name: _plain(getattr(section, f.name)) for f in dataclasses.fields(section)}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_dict(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# --- scalar types ---------------------------------------------------------------------------------


def _wrong_type(message: str) -> Validator:
    def fail(value: Any, loc: Loc, context: Any) -> Any:
        raise Invalid(loc, "type", message, value)

    return fail


def _str(value: Any, loc: Loc, context: Any) -> Any:
    if not isinstance(value, str):
        raise Invalid(loc, "type", "Input should be a valid string", value)
    return value


def _int(value: Any, loc: Loc, context: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(loc, "type", "Input should be a valid integer", value)
    return value


def _float(value: Any, loc: Loc, context: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(loc, "type", "Input should be a valid number", value)
    try:
        number = float(value)
    except OverflowError:  # an int beyond float's range
        raise Invalid(loc, "type", "Input should be a valid number", value) from None
    if not math.isfinite(number):  # verl's command line has no spelling for inf or nan
        raise Invalid(loc, "type", "Input should be a finite number", value)
    return number


def _bool(value: Any, loc: Loc, context: Any) -> Any:
    if not isinstance(value, bool):
        raise Invalid(loc, "type", "Input should be a valid boolean", value)
    return value


def _any(value: Any, loc: Loc, context: Any) -> Any:
    return value


def _literal(choices: tuple[Any, ...]) -> Validator:
    names = [repr(c) for c in choices]
    expected = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"

    def check(value: Any, loc: Loc, context: Any) -> Any:
        # type() as well as ==: True == 1, and a list is never a choice.
        if any(type(value) is type(c) and value == c for c in choices):
            return value
        raise Invalid(loc, "type", f"Input should be {expected}", value)

    return check


# --- containers -----------------------------------------------------------------------------------


def _key_loc(key: Any) -> str | int:
    """A mapping key as an error location: ints and strings as they are, anything else as its repr."""
    if isinstance(key, int):
        return int(key)
    return key if isinstance(key, str) else repr(key)


def _list(item: Validator) -> Validator:
    def check(value: Any, loc: Loc, context: Any) -> Any:
        if not isinstance(value, list):
            raise Invalid(loc, "type", "Input should be a valid list", value)
        return [item(v, (*loc, i), context) for i, v in enumerate(value)]

    return check


def _dict(key: Validator, item: Validator) -> Validator:
    def check(value: Any, loc: Loc, context: Any) -> Any:
        if not isinstance(value, dict):
            raise Invalid(loc, "type", "Input should be a valid dictionary", value)
        result = {}
        for k, v in value.items():
            where = (*loc, _key_loc(k))
            result[key(k, (*where, "[key]"), context)] = item(v, where, context)
        return result

    return check


def _optional(inner: Validator) -> Validator:
    def check(value: Any, loc: Loc, context: Any) -> Any:
        return None if value is None else inner(value, loc, context)

    return check


def _first_of(options: list[Validator]) -> Validator:
    def check(value: Any, loc: Loc, context: Any) -> Any:
        first: Invalid | None = None
        for option in options:
            try:
                return option(value, loc, context)
            except Invalid as exc:
                first = first or exc
        assert first is not None
        raise first

    return check


_SCALARS: dict[Any, Validator] = {str: _str, int: _int, float: _float, bool: _bool, Any: _any}


def _validator(annotation: Any) -> Validator:
    """The validator of one annotation (``get_type_hints`` has resolved the strings)."""
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return _section_validator(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return _literal(args)
    if origin is list:
        return _list(_validator(args[0]))
    if origin is dict:
        return _dict(_validator(args[0]), _validator(args[1]))
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        inner = _validator(options[0]) if len(options) == 1 else _first_of([_validator(a) for a in options])
        return _optional(inner) if len(options) < len(args) else inner
    raise TypeError(f"rmjob.schema cannot validate {annotation!r}")


# --- sections -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Field:
    """One field of a section, ready to validate."""

    name: str
    required: bool
    validator: Validator
    rules: Rules

    def validate(self, value: Any, loc: Loc, context: Any) -> Any:
        result = self.validator(value, loc, context)
        if result is not None:
            _within_bounds(self.rules, result, value, loc)
        try:
            for check in self.rules.checks:
                result = check(result)
            for context_check in self.rules.context_checks:
                result = context_check(result, context)
        except ValueError as exc:
            raise Invalid(loc, "check", str(exc)) from None
        return result


def _within_bounds(rules: Rules, number: Any, given: Any, loc: Loc) -> None:
    """Bounds on the validated value; the error shows the value as given (an int, not its float)."""
    problem = None
    if rules.gt is not None and not number > rules.gt:
        problem = f"Input should be greater than {rules.gt}"
    elif rules.ge is not None and not number >= rules.ge:
        problem = f"Input should be greater than or equal to {rules.ge}"
    elif rules.le is not None and not number <= rules.le:
        problem = f"Input should be less than or equal to {rules.le}"
    elif rules.min_length is not None and len(number) < rules.min_length:
        n = rules.min_length
        if isinstance(number, str):
            problem = f"String should have at least {n} character{'s' * (n != 1)}"
        else:
            problem = (
                f"List should have at least {n} item{'s' * (n != 1)} after validation, not {len(number)}"
            )
    if problem:
        raise Invalid(loc, "type", problem, given)


_SECTIONS: dict[type, Validator] = {}


def _section_validator(cls: type) -> Validator:
    """Built on first use: class creation stays cheap and sections may refer to later ones."""
    if cls in _SECTIONS:
        return _SECTIONS[cls]
    hints = get_type_hints(cls)
    fields = [
        _Field(
            f.name,
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            _validator(hints[f.name]),
            f.metadata.get(_RULES_KEY, Rules()),
        )
        for f in dataclasses.fields(cls)
    ]
    names = tuple(f.name for f in fields)
    before: Callable[[Any, Any], Any] | None = getattr(cls, "_validate_before", None)
    after: Callable[[Any, Any], None] | None = getattr(cls, "_validate_after", None)

    def check(data: Any, loc: Loc, context: Any) -> Any:
        if before is not None:
            try:
                data = before(data, context)
            except ValueError as exc:
                raise Invalid(loc, "check", str(exc)) from None
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            expected = f"Input should be a valid dictionary or instance of {cls.__name__}"
            raise Invalid(loc, "type", expected, data)
        values = {}
        # Fields in declaration order, then keys nobody asked for: the order users have seen errors in.
        for field in fields:
            if field.name in data:
                values[field.name] = field.validate(data[field.name], (*loc, field.name), context)
            elif field.required:
                raise Invalid((*loc, field.name), "missing", "Field required")
        for key, value in data.items():
            if not isinstance(key, str):
                raise Invalid((*loc, _key_loc(key)), "type", "Keys should be strings", key)
            if key not in names:
                raise Invalid((*loc, key), "unknown", "Extra inputs are not permitted", value, names)
        section = cls(**values)
        if after is not None:
            try:
                after(section, context)
            except ValueError as exc:
                raise Invalid(loc, "check", str(exc)) from None
        return section

    _SECTIONS[cls] = check
    return check
