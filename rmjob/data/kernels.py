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


def is_in(values: Any, value_set: Any) -> Any:
    from pyarrow._compute import SetLookupOptions

    return call("is_in", values, options=SetLookupOptions(value_set))


def contains(values: Any, pattern: str) -> Any:
    """Whether each string holds ``pattern`` (a literal, not a regex)."""
    from pyarrow._compute import MatchSubstringOptions

    return call("match_substring", values, options=MatchSubstringOptions(pattern))


def trimmed(values: Any, characters: str) -> Any:
    """Each string with ``characters`` removed from both ends (``utf8_trim``)."""
    from pyarrow._compute import TrimOptions

    return call("utf8_trim", values, options=TrimOptions(characters))
