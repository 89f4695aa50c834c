"""Plain data (parsed YAML) -> frozen records, checked strictly, first problem reported.

rmjob validates three small documents: the run spec, ``platform.yaml`` and the preflight rules. A
general validation library cost more start-up time than the rest of ``rmjob render``, and so did
``dataclasses`` (its import pulls in ``inspect``; each class costs about a millisecond of generated
code), so this module does just what those documents need.

A *section* subclasses ``Section``; its own annotations are its fields and their accepted types: ``str``,
``int``, ``float``, ``bool``, ``Literal[...]``, ``list[T]``, ``dict[K, V]``, ``X | None``, ``X | Y``,
``Any`` and other sections. ``field(...)`` adds a default factory, bounds and checks. Instances are
frozen, compare and hash by value, and take keyword arguments only; ``replace`` copies one with
changes and ``to_dict`` turns one into plain data.

A section may define two hooks: a classmethod ``_validate_before(cls, data, context)`` that sees (and
may rewrite) the raw input, and a method ``_validate_after(self, context)`` that sees the built
object; ``context`` is whatever the caller of ``validate`` passes (the spec gets the platform).

Types are strict: YAML's ``true`` or ``"2"`` is not an int, a bool is not an int, an int is a fine
float (stored as a float), and inf/nan are refused. Errors use the wording users have seen since the
spec was checked with pydantic, so messages stay as they were.
"""

from __future__ import annotations

import math
import sys
import types
from collections.abc import Callable
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
)

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # only type checkers read it (typing has it from 3.11 on; typing_extensions costs an import)

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda cls: cls


S = TypeVar("S", bound="Section")
# Where a value sits: section keys and list indexes from the top, as in "cluster.nodes".
Loc = tuple[str | int, ...]
# (value, where, context) -> the validated value, or raise Invalid.
Validator = Callable[[Any, Loc, Any], Any]
Check = Callable[[Any], Any]
ContextCheck = Callable[[Any, Any], Any]
Kind = Literal["unknown", "missing", "check", "type"]


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


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One field of a section: its default and what validation checks beyond the type.

    Bounds skip ``None``. A check takes the value and returns it (possibly normalised) or raises
    ``ValueError`` with a message for the user; a ``context_check`` also gets the validation context.
    """

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Callable[[], Any] | None = None,
        gt: float | None = None,
        ge: float | None = None,
        le: float | None = None,
        min_length: int | None = None,
        check: Check | None = None,
        context_check: ContextCheck | None = None,
    ) -> None:
        self.name = ""  # set when the section class is created
        self.default, self.default_factory = default, default_factory
        self.gt, self.ge, self.le, self.min_length = gt, ge, le, min_length
        self.check, self.context_check = check, context_check

    @property
    def required(self) -> bool:
        return self.default is MISSING and self.default_factory is None


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | None = None,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    check: Check | None = None,
    context_check: ContextCheck | None = None,
) -> Any:
    """A field with more than a plain default: ``nodes: int = field(default=1, ge=1)``."""
    return Field(default, default_factory, gt, ge, le, min_length, check, context_check)


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
class Section:
    """Base of every section: a frozen record whose annotations are its fields, in order."""

    _fields: ClassVar[tuple[Field, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A parent section's fields come first (cls._fields is still the parent's here), as in dataclasses.
        fields = {spec.name: spec for spec in cls._fields}
        for name in cls.__dict__.get("__annotations__", {}):
            declared = cls.__dict__.get(name, MISSING)
            spec = declared if isinstance(declared, Field) else Field(default=declared)
            spec.name = name
            fields[name] = spec
            if spec.default is MISSING:
                if name in cls.__dict__:
                    delattr(cls, name)
            else:
                setattr(cls, name, spec.default)  # the class shows plain defaults, as a dataclass does
        cls._fields = tuple(fields.values())

    def __init__(self, **values: Any) -> None:
        for spec in self._fields:
            if spec.name in values:
                value = values.pop(spec.name)
            elif spec.default_factory is not None:
                value = spec.default_factory()
            elif spec.default is not MISSING:
                value = spec.default
            else:
                raise TypeError(f"{type(self).__name__}() is missing keyword argument {spec.name!r}")
            object.__setattr__(self, spec.name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {', '.join(values)}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, spec.name) for spec in self._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: use rmjob.schema.replace")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Section) or type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{spec.name}={getattr(self, spec.name)!r}" for spec in self._fields)
        return f"{type(self).__name__}({inner})"


def replace(section: S, **changes: Any) -> S:
    """A copy of ``section`` with some fields changed (not validated, like ``dataclasses.replace``)."""
    current = {spec.name: getattr(section, spec.name) for spec in section._fields}
    return type(section)(**{**current, **changes})


def validate(cls: type[S], data: Any, context: Any = None) -> S:
    """``data`` as a ``cls``, or ``Invalid`` naming the first problem in field order."""
    result: S = _section_validator(cls)(data, (), context)
    return result


def to_dict(section: Section) -> dict[str, Any]:
    """A section as plain data (fields in declaration order): for hashing, YAML and JSON."""
    return {spec.name: _plain(getattr(section, spec.name)) for spec in section._fields}


def _plain(value: Any) -> Any:
    if isinstance(value, Section):
        return to_dict(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# --- scalar types ---------------------------------------------------------------------------------


def _instance_of(kind: type, message: str) -> Validator:
    """Strict: the value must already be a ``kind`` (and a bool is not an int)."""

    def check(value: Any, loc: Loc, context: Any) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise Invalid(loc, "type", message, value)
        return value

    return check


_str = _instance_of(str, "Input should be a valid string")
_int = _instance_of(int, "Input should be a valid integer")
_bool = _instance_of(bool, "Input should be a valid boolean")


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
            valid_key = key(k, (*where, "[key]"), context)  # the key's problem comes first
            result[valid_key] = item(v, where, context)
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
    """The validator of one (evaluated) annotation."""
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if isinstance(annotation, type) and issubclass(annotation, Section):
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


def _validate_field(spec: Field, validator: Validator, value: Any, loc: Loc, context: Any) -> Any:
    result = validator(value, loc, context)
    if result is not None:
        _within_bounds(spec, result, value, loc)
    try:
        if spec.check is not None:
            result = spec.check(result)
        if spec.context_check is not None:
            result = spec.context_check(result, context)
    except ValueError as exc:
        raise Invalid(loc, "check", str(exc)) from None
    return result


def _within_bounds(spec: Field, number: Any, given: Any, loc: Loc) -> None:
    """Bounds on the validated value; the error shows the value as given (an int, not its float)."""
    problem = None
    if spec.gt is not None and not number > spec.gt:
        problem = f"Input should be greater than {spec.gt}"
    elif spec.ge is not None and not number >= spec.ge:
        problem = f"Input should be greater than or equal to {spec.ge}"
    elif spec.le is not None and not number <= spec.le:
        problem = f"Input should be less than or equal to {spec.le}"
    elif spec.min_length is not None and len(number) < spec.min_length:
        n = spec.min_length
        if isinstance(number, str):
            problem = f"String should have at least {n} character{'s' * (n != 1)}"
        else:
            problem = (
                f"List should have at least {n} item{'s' * (n != 1)} after validation, not {len(number)}"
            )
    if problem:
        raise Invalid(loc, "type", problem, given)


_SECTIONS: dict[type[Section], Validator] = {}
_EVALUATED: dict[tuple[str, str], Any] = {}


def _annotation(cls: type[Section], name: str) -> Any:
    """A field's annotation, evaluated in the section's module as ``typing.get_type_hints`` would.

    Memoised: sections repeat a few annotations ("str", "int | None") and each evaluation compiles.
    """
    owner = next(c for c in cls.__mro__ if name in c.__dict__.get("__annotations__", {}))
    text = owner.__dict__["__annotations__"][name]
    if not isinstance(text, str):
        return text
    key = (owner.__module__, text)
    if key not in _EVALUATED:
        _EVALUATED[key] = eval(text, vars(sys.modules[owner.__module__]))
    return _EVALUATED[key]


def _section_validator(cls: type[Section]) -> Validator:
    """Built on first use: class creation stays cheap and sections may refer to later ones."""
    if cls in _SECTIONS:
        return _SECTIONS[cls]
    fields = [(spec, _validator(_annotation(cls, spec.name))) for spec in cls._fields]
    names = tuple(spec.name for spec in cls._fields)
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
        for spec, validator in fields:
            if spec.name in data:
                where = (*loc, spec.name)
                values[spec.name] = _validate_field(spec, validator, data[spec.name], where, context)
            elif spec.required:
                raise Invalid((*loc, spec.name), "missing", "Field required")
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
