"""YAML text of manifests without importing PyYAML: the same bytes PyYAML would write.

``rmjob render`` is run in loops (CI, GitOps diffs), and importing PyYAML costs more than the rest
of a render together (~20 ms of its regex compilation on the 2-core dev machine). Manifests use a
small part of YAML: block mappings and sequences of ASCII strings, numbers, booleans and null. For
that part the writer below reproduces PyYAML's emitter choices (plain, single-quoted or literal
block; indentless sequences under a key; ``{}``/``[]`` for empty collections). Anything outside it
(non-ASCII text, tabs, lines long enough to fold, nested sequences, non-string keys, multi-line
text that a literal block cannot hold as it is, one dict or list object met twice) goes to PyYAML
itself, so the output never differs.
``tests/test_yaml_writer.py`` compares both on every rendered object and on generated documents.
"""

from __future__ import annotations

import re
from typing import Any

# YAML 1.1 implicit types, as PyYAML's resolver (yaml/resolver.py) applies them to plain scalars:
# a string matching one of these must be quoted to stay a string.
_NOT_A_STRING = re.compile(
    r"""(?x)
    (?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)  # bool
    |(?:~|null|Null|NULL|)                                                            # null
    |[-+]?0b[0-1_]+                                                                   # int, base 2
    |[-+]?0[0-7_]+                                                                    # int, base 8
    |[-+]?(?:0|[1-9][0-9_]*)                                                          # int, base 10
    |[-+]?0x[0-9a-fA-F_]+                                                             # int, base 16
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+                                               # int, base 60
    |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?                                # float
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)
    |[0-9]{4}-[0-9]{2}-[0-9]{2}                                                        # timestamp
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[\ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}
        (?:\.[0-9]*)?(?:[\ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?
    |<<|=                                                                             # merge, value
    """
)
# A flow or block indicator at the start of a plain scalar, or a comment or mapping indicator inside.
_PLAIN_FORBIDDEN_START = re.compile(r"""[\#,\[\]{}&*!|>'"%@`]|[-?:](?:\ |$)|---|\.\.\.""")
_PLAIN_FORBIDDEN_INSIDE = re.compile(r":(?:\ |$)|\ \#")
_PRINTABLE_ASCII_LINE = re.compile(r"[\x20-\x7e]*")
# PyYAML writes a key longer than this as an explicit ``? key`` entry.
_MAX_SIMPLE_KEY = 100


class _Unsupported(Exception):
    """The value needs a part of YAML this writer leaves to PyYAML."""


def dump_yaml(
    data: dict[str, Any],
    *,
    sort_keys: bool = False,
    literal_multiline: bool = False,
    width: int = 80,
    allow_unicode: bool = False,
) -> str:
    """``yaml.dump(data, Dumper=SafeDumper, ...)`` with these settings, and multi-line strings as
    literal blocks (``|``) when ``literal_multiline``; PyYAML writes what this writer leaves out."""
    try:
        return _Writer(sort_keys, literal_multiline, width).document(data)
    except _Unsupported:
        return _pyyaml_dump(data, sort_keys, literal_multiline, width, allow_unicode)


def _pyyaml_dump(data: Any, sort_keys: bool, literal_multiline: bool, width: int, allow_unicode: bool) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    if literal_multiline:

        def literal(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
            style = "|" if "\n" in text else None
            return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)

        Dumper.add_representer(str, literal)
    return yaml.dump(data, Dumper=Dumper, sort_keys=sort_keys, width=width, allow_unicode=allow_unicode)


class _Writer:
    def __init__(self, sort_keys: bool, literal_multiline: bool, width: int) -> None:
        self.sort_keys = sort_keys
        self.literal_multiline = literal_multiline
        self.width = width if width > 4 else 80  # PyYAML's best_width rule for tiny widths
        self.lines: list[str] = []
        self.containers_seen: set[int] = set()

    def once(self, container: dict[Any, Any] | list[Any]) -> None:
        """PyYAML writes a dict or list met twice (the same object) as an anchor and aliases."""
        if id(container) in self.containers_seen:
            raise _Unsupported
        self.containers_seen.add(id(container))

    def document(self, data: Any) -> str:
        if not isinstance(data, dict):
            raise _Unsupported
        if not data:
            return "{}\n"
        self.mapping(data, indent=0, first_prefix="")
        return "\n".join(self.lines) + "\n"

    def items(self, mapping: dict[Any, Any]) -> list[tuple[Any, Any]]:
        if any(type(key) is not str for key in mapping):
            raise _Unsupported
        return sorted(mapping.items()) if self.sort_keys else list(mapping.items())

    def mapping(self, mapping: dict[Any, Any], indent: int, first_prefix: str) -> None:
        """Block mapping at ``indent``; its first line starts with ``first_prefix`` (``- `` in a list)."""
        self.once(mapping)
        pad = " " * indent
        for number, (key, value) in enumerate(self.items(mapping)):
            lead = first_prefix if number == 0 else pad
            head = f"{lead}{self.key(key, indent)}:"
            self.value(head, value, indent)

    def sequence(self, items: list[Any], indent: int) -> None:
        self.once(items)
        pad = " " * indent
        for item in items:
            if isinstance(item, dict) and item:
                self.mapping(item, indent + 2, first_prefix=f"{pad}- ")
            elif isinstance(item, list) and item:
                raise _Unsupported
            else:
                self.value(f"{pad}-", item, indent)

    def value(self, head: str, value: Any, indent: int) -> None:
        """``head`` (``key:`` or ``-``) followed by ``value``, at the block's ``indent``."""
        if isinstance(value, dict) and value:
            self.lines.append(head)
            self.mapping(value, indent + 2, first_prefix=" " * (indent + 2))
        elif isinstance(value, list) and value:
            self.lines.append(head)
            # PyYAML indents a sequence under a mapping key no further than the key (a list item
            # that is a non-empty list never gets here: ``sequence`` leaves it to PyYAML).
            self.sequence(value, indent)
        elif isinstance(value, str) and "\n" in value:
            self.literal(head, value, indent + 2)
        else:
            self.lines.append(f"{head} {self.scalar(value, len(head) + 1)}")

    def key(self, key: str, column: int) -> str:
        if not key or len(key) > _MAX_SIMPLE_KEY or "\n" in key:
            raise _Unsupported  # PyYAML writes these as explicit `? key` entries
        return self.string(key, column)

    def scalar(self, value: Any, column: int) -> str:
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, dict | list):
            self.once(value)
            return "{}" if isinstance(value, dict) else "[]"
        if type(value) is int:
            return str(value)
        if type(value) is float:
            return _float_text(value)
        if type(value) is str:
            return self.string(value, column)
        raise _Unsupported

    def string(self, text: str, column: int) -> str:
        if not _PRINTABLE_ASCII_LINE.fullmatch(text):
            raise _Unsupported
        written = text if _plain_allowed(text) else "'" + text.replace("'", "''") + "'"
        if " " in text and column + len(written) >= self.width:
            raise _Unsupported  # PyYAML would fold the line at a space
        return written

    def literal(self, head: str, text: str, indent: int) -> None:
        """``head |`` and the text's lines, as PyYAML writes a literal block scalar."""
        if not self.literal_multiline:
            raise _Unsupported  # PyYAML would write a quoted multi-line scalar
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
            if not lines or text.endswith("\n\n"):
                raise _Unsupported  # kept trailing newlines: PyYAML's `|+` and `...`
            chomp = ""
        else:
            chomp = "-"
        if text[0] == " " or text[0] == "\n":
            raise _Unsupported  # needs an indentation indicator
        for line in lines:
            if line.endswith(" ") or not _PRINTABLE_ASCII_LINE.fullmatch(line):
                raise _Unsupported  # PyYAML quotes text with a space before a line break
        pad = " " * indent
        self.lines.append(f"{head} |{chomp}")
        self.lines.extend(f"{pad}{line}" if line else "" for line in lines)


def _plain_allowed(text: str) -> bool:
    """May ``text`` be written unquoted in block context and still read back as this string?"""
    return not (
        text[:1] in ("", " ")
        or text.endswith(" ")
        or _PLAIN_FORBIDDEN_START.match(text)
        or _PLAIN_FORBIDDEN_INSIDE.search(text)
        or _NOT_A_STRING.fullmatch(text)
    )


def _float_text(value: float) -> str:
    """PyYAML's float representation (yaml/representer.py ``represent_float``)."""
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text
