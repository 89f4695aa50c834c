"""Arrow compute kernels called by name, so a conversion never imports ``pyarrow.compute``.

Importing ``pyarrow.compute`` makes a Python wrapper, docstring included, for each of Arrow's
compute functions (``_make_global_functions`` in pyarrow/compute.py): 30-35 ms of start-up, a twentieth
of a full-size conversion, and more objects for the collections at exit to walk. The wrappers end
in ``pyarrow._compute.call_function`` (the public ``pyarrow.compute.call_function``), which these
helpers call directly. The ``Array``/``Table`` methods ``take``, ``cast`` and ``filter`` import
``pyarrow.compute`` (pyarrow/lib.pyx ``_pc``), so the converter uses the functions below instead;
tests/data/test_cli.py pins that a conversion process never loads the module.
"""

from __future__ import annotations

from typing import Any

# Exactly the characters Python's str.strip() removes, spelled out rather than left to the whitespace
# set of the pyarrow at hand; a test checks it against str.isspace over all of Unicode.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def call(function: str, *args: Any, options: Any = None) -> Any:
    """``pyarrow.compute.<function>(*args)`` with the function's default options unless given."""
    from pyarrow._compute import call_function

    return call_function(function, list(args), options)


def take(values: Any, indices: Any) -> Any:
    """The values (an array, a table) at ``indices``, in their order."""
    return call("take", values, indices)


def keep(values: Any, mask: Any) -> Any:
    """The values (an array, a table) where ``mask`` is true (``filter``)."""
    return call("filter", values, mask)


def cast(values: Any, to: Any) -> Any:
    """A safe cast, as ``pyarrow.compute.cast`` does by default (overflow and truncation raise)."""
    from pyarrow._compute import CastOptions

    return call("cast", values, options=CastOptions.safe(to))


def count_true(mask: Any) -> int:
    return int(call("sum", mask).as_py() or 0)  # the sum of nothing is null


def has_empty(values: Any) -> bool:
    """Whether any of the strings is empty (none at all: False, the minimum of nothing is null)."""
    return bool(call("min", call("binary_length", values)).as_py() == 0)


def is_in(values: Any, value_set: Any) -> Any:
    from pyarrow._compute import SetLookupOptions

    return call("is_in", values, options=SetLookupOptions(value_set))


def contains_at_start(values: Any, prefix: str) -> Any:
    """Whether each string starts with ``prefix`` (``starts_with``)."""
    from pyarrow._compute import MatchSubstringOptions

    return call("starts_with", values, options=MatchSubstringOptions(prefix))


def split_at(values: Any, pattern: str, *, regex: bool = False) -> Any:
    """Each string cut at every ``pattern`` (a literal, or an RE2 regex), as a list of the pieces."""
    from pyarrow._compute import SplitPatternOptions

    function = "split_pattern_regex" if regex else "split_pattern"
    return call(function, values, options=SplitPatternOptions(pattern))


def stripped(values: Any) -> Any:
    """Each string stripped as ``str.strip()`` strips it (``utf8_trim`` of ``WHITESPACE``)."""
    from pyarrow._compute import TrimOptions

    return call("utf8_trim", values, options=TrimOptions(WHITESPACE))
