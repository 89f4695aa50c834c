"""A small declarative layer over argparse: a command is a function plus its arguments.

Why not Typer/Click: they cost about 100 ms of start-up on every call (Click itself, and pydantic
through Typer's value coercion), more than rendering a run. argparse is in the standard library.
Help and errors keep what users saw before: ``Usage:``, ``--help`` only (no ``-h``), ``<str>`` /
``<int range>`` / ``<yaml|json>`` metavars, ``[default: ...]``; a usage error is one line, exit 2.

    @command(Arg("name", help="RayJob name"), Opt("-o", "--output", type=Format, default=Format.table))
    def status(name: str, output: Format) -> None: ...

Each ``Arg``/``Opt`` names one parameter of the function (``dest``, from the long flag unless given);
enum-typed options are choices of the enum's values and reach the function as enum members.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

from rmjob.errors import UserError

Function = Callable[..., Any]


class UsageError(UserError):
    """Bad command line (unknown option, missing argument, bad value): one line, exit 2."""


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """Write a line and flush it (followers print as things happen; stdout may be a pipe)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{message}\n" if nl else message)
    stream.flush()


def _bounded(kind: type, minimum: float | None, maximum: float | None) -> Callable[[str], Any]:
    """``kind`` (int or float) parsed and checked against inclusive bounds."""

    def parse(text: str) -> Any:
        value = kind(text)  # ValueError: argparse says "invalid int value: 'x'"
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"{text} is not in the range {_range(minimum, maximum)}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _range(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{minimum}<=x<={maximum}"
    return f"x>={minimum}" if minimum is not None else f"x<={maximum}"


class Arg:
    """A positional argument (always required)."""

    def __init__(
        self, dest: str, *, metavar: str | None = None, help: str = "", type: Callable[[str], Any] = str
    ) -> None:
        self.dest, self.metavar, self.help, self.type = dest, metavar or dest, help, type

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        kind = "path" if self.type is Path else self.type.__name__
        parser.add_argument(
            self.dest, metavar=self.metavar, type=self.type, help=_help(self.help, "[required]")
        ).kind = kind  # type: ignore[attr-defined]  # shown beside the name in help: SPEC <str>

    def value(self, parsed: Any) -> Any:
        return parsed


class Opt:
    """An option. ``type``: str, int, float, Path, an Enum (choices), or bool (a flag; with
    ``negatable`` also ``--no-FLAG``). ``repeat``: may be given several times (a list)."""

    def __init__(
        self,
        *flags: str,
        type: Any = str,
        default: Any = None,
        help: str = "",
        dest: str | None = None,
        required: bool = False,
        min: float | None = None,
        max: float | None = None,
        repeat: bool = False,
        negatable: bool = False,
        show_default: str | None = None,
    ) -> None:
        self.flags, self.type, self.default, self.help = flags, type, default, help
        long = [flag for flag in flags if flag.startswith("--")]  # the parameter's name without dest
        self.dest = dest or long[0][2:].replace("-", "_")
        self.required, self.min, self.max, self.repeat = required, min, max, repeat
        self.negatable, self.show_default = negatable, show_default

    def _metavar(self) -> str:
        if isinstance(self.type, type) and issubclass(self.type, Enum):
            return "<" + "|".join(m.value for m in self.type) + ">"
        if self.repeat:
            return f"<list[{'Path' if self.type is Path else self.type.__name__}]>"
        name = "path" if self.type is Path else self.type.__name__
        return f"<{name} range>" if self.min is not None or self.max is not None else f"<{name}>"

    def _notes(self) -> str:
        """Click's trailer: ``[default: 1800; x>=1]``, ``[required]``."""
        notes = []
        if self.show_default is not None:
            notes.append(f"default: ({self.show_default})")
        elif self.default is not None and self.default is not False and not self.repeat:  # 0 is shown
            default = self.default.value if isinstance(self.default, Enum) else self.default
            notes.append(f"default: {default}")
        if self.min is not None or self.max is not None:
            notes.append(_range(self.min, self.max))
        if self.required:
            notes.append("required")
        return f"[{'; '.join(notes)}]" if notes else ""

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        help = _help(self.help, self._notes())
        if self.type is bool:
            action = argparse.BooleanOptionalAction if self.negatable else "store_true"
            parser.add_argument(*self.flags, dest=self.dest, action=action, default=self.default, help=help)
            return
        kwargs: dict[str, Any] = {"type": self.type, "default": self.default}
        if isinstance(self.type, type) and issubclass(self.type, Enum):
            # argparse passes a str default through ``type``: give it the value, not the member.
            default = self.default.value if isinstance(self.default, Enum) else self.default
            kwargs = {"type": str, "choices": [m.value for m in self.type], "default": default}
        elif self.min is not None or self.max is not None:
            kwargs["type"] = _bounded(self.type, self.min, self.max)
        if self.repeat:
            kwargs["default"] = None
        parser.add_argument(
            *self.flags,
            dest=self.dest,
            action="append" if self.repeat else "store",  # append: default None, never a shared list
            required=self.required,
            metavar=self._metavar(),
            help=help,
            **kwargs,
        )

    def value(self, parsed: Any) -> Any:
        if self.repeat:
            return parsed or []
        if isinstance(parsed, str) and isinstance(self.type, type) and issubclass(self.type, Enum):
            return self.type(parsed)
        return parsed


def _help(text: str, notes: str) -> str:
    text = f"{text}  {notes}" if text and notes else text or notes
    return text.replace("%", "%%")  # argparse %-formats help texts


class Command:
    """A function and its command line; calling it calls the function.

    ``pure``: the command reads files and prints, calling no library that logs or warns, so ``run``
    skips its ``before_impure`` hook (the CLI's library quieting, and the logging import it costs).
    """

    def __init__(
        self, fn: Function, params: Sequence[Arg | Opt], name: str | None = None, pure: bool = False
    ) -> None:
        self.fn, self.params, self.pure = fn, tuple(params), pure
        self.name = name or fn.__name__.replace("_", "-")
        self.doc = _dedent(fn.__doc__ or "")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def usage(self, prog: str) -> str:
        positionals = " ".join(f"{{{p.metavar}}}" for p in self.params if isinstance(p, Arg))
        return f"{prog} [OPTIONS] {positionals}".rstrip()

    def invoke(self, parsed: argparse.Namespace) -> Any:
        return self.fn(**{p.dest: p.value(getattr(parsed, p.dest)) for p in self.params})


def command(*params: Arg | Opt, name: str | None = None, pure: bool = False) -> Callable[[Function], Command]:
    """Decorator: the function as a ``Command`` taking ``params``."""
    return lambda fn: Command(fn, params, name, pure)


class Group:
    """Sub-commands under one name (``rmjob data ...``); alone, it prints its help."""

    USAGE = "{} [OPTIONS] COMMAND [ARGS]..."

    def __init__(self, name: str, help: str, *children: Command | Group) -> None:
        self.name, self.doc = name, help
        # A child, or the module that defines it (its COMMANDS), imported when the child is used or
        # listed: `rmjob render` then skips importing the other commands' modules.
        self._children: dict[str, Command | Group | str] = {}
        self.add(*children)

    def add(self, *children: Command | Group) -> None:
        for child in children:
            self._children[child.name] = child

    def add_from(self, module: str, *names: str) -> None:
        """Children ``names``, defined in ``module``'s ``COMMANDS``; imported on first use."""
        for name in names:
            self._children[name] = module

    def names(self) -> list[str]:
        return list(self._children)

    def child(self, name: str) -> Command | Group:
        found = self._children[name]
        if isinstance(found, str):
            import importlib

            defined = {made.name: made for made in importlib.import_module(found).COMMANDS}
            if name not in defined:
                raise LookupError(f"{found} defines no command {name!r} (its COMMANDS: {', '.join(defined)})")
            found = self._children[name] = defined[name]
        return found

    @property
    def children(self) -> dict[str, Command | Group]:
        """Every child, in order (imports the modules of lazily added ones)."""
        return {name: self.child(name) for name in self._children}

    def command(
        self, *params: Arg | Opt, name: str | None = None, pure: bool = False
    ) -> Callable[[Function], Command]:
        """Decorator: ``command(...)`` and add it here."""

        def register(fn: Function) -> Command:
            made = Command(fn, params, name, pure)
            self.add(made)
            return made

        return register


def _dedent(doc: str) -> str:
    """A docstring as written, without its indentation (as inspect.cleandoc; importing inspect or
    textwrap would cost `rmjob render` more start-up than this loop)."""
    first, _, rest = doc.strip().partition("\n")
    lines = rest.split("\n")
    cut = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join([first, *(line[cut:] if line.strip() else "" for line in lines)]).strip()


def summary(doc: str) -> str:
    """The listing's one line: the first sentence of the first paragraph (as Click chose it)."""
    words = doc.split("\n\n", 1)[0].split()
    for i, word in enumerate(words):
        if word.endswith("."):
            return " ".join(words[: i + 1])
    return " ".join(words)


def _terminal_columns(fallback: int = 80) -> int:
    """The terminal's width as ``shutil.get_terminal_size`` finds it: $COLUMNS, else stdout's."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    stdout = sys.__stdout__
    try:
        return (os.get_terminal_size(stdout.fileno()).columns if stdout else 0) or fallback
    except (AttributeError, ValueError, OSError):  # not a terminal, closed, or no fileno
        return fallback


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Click's look: ``Usage:``, ``-o, --output <yaml|json>``, sub-commands without a header line."""

    def __init__(self, prog: str) -> None:
        # argparse makes a formatter per added argument; given no width, each would import shutil
        # (with zlib, bz2, lzma) for the terminal's size.
        super().__init__(prog, max_help_position=34, width=_terminal_columns() - 2)

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "Usage: ")

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings:
            kind = getattr(action, "kind", None)
            return f"{action.metavar} <{kind}>" if kind else str(action.metavar or action.dest)
        if isinstance(action, argparse.BooleanOptionalAction):
            return " / ".join(action.option_strings)
        flags = ", ".join(sorted(action.option_strings, key=lambda flag: flag.startswith("--")))
        return flags if action.nargs == 0 else f"{flags} {action.metavar}"

    def _format_action(self, action: argparse.Action) -> str:
        if isinstance(action, argparse._SubParsersAction):
            return "".join(self._format_action(sub) for sub in action._get_subactions())
        return super()._format_action(action)


class Parser(argparse.ArgumentParser):
    """Usage errors raise ``UsageError`` (one line, naming this level's --help) instead of printing
    usage and exiting."""

    def __init__(self, prog: str, doc: str, usage: str) -> None:
        super().__init__(
            prog=prog,
            usage=usage,
            description=doc,
            formatter_class=_Formatter,
            add_help=False,
            allow_abbrev=False,  # Click took no abbreviations: --out must not become --output
        )
        self._positionals.title = "Arguments"
        self._optionals.title = "Options"

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build(node: Command | Group, parser: Parser, argv: Sequence[str] | None = None) -> Parser:
    """Fill ``parser`` for ``node`` and everything under it; with ``argv``, only what parsing it needs
    (the commands on its path, and a level's list of commands where its help or an error may show it):
    building all ~100 options costs several ms. The chosen level's parser and command end up in the
    parsed namespace as ``_parser`` and ``_command``."""
    if isinstance(node, Command):
        for param in node.params:
            param.add_to(parser)
        parser.set_defaults(_command=node)
    else:
        subparsers = parser.add_subparsers(title="Commands", metavar="COMMAND", parser_class=Parser)
        # A group takes no option but --help: its first other word names the sub-command.
        chosen = next((i for i, word in enumerate(argv or ()) if not word.startswith("-")), None)
        names = node.names()
        if (
            argv is not None
            and chosen is not None
            and argv[chosen] in names
            and "--help" not in argv[:chosen]
        ):
            names = [argv[chosen]]  # a valid choice, no --help before it: the others are never shown
        for name in names:
            child = node.child(name)
            prog = f"{parser.prog} {name}"
            usage = child.usage(prog) if isinstance(child, Command) else Group.USAGE.format(prog)
            sub = subparsers.add_parser(name, prog=prog, help=summary(child.doc), doc=child.doc, usage=usage)
            if argv is None:
                build(child, sub)
            elif chosen is not None and argv[chosen] == name:
                build(child, sub, argv[chosen + 1 :])
    parser.add_argument("--help", action="help", help="Show this message and exit.")
    parser.set_defaults(_parser=parser)
    return parser


def run(root: Group, argv: Sequence[str], before_impure: Callable[[], None] | None = None) -> Any:
    """Parse ``argv`` and call the chosen command; a group alone prints its help (exit 2, as before).
    ``before_impure`` runs first unless the command is pure."""
    parser = build(root, Parser(root.name, root.doc, Group.USAGE.format(root.name)), argv)
    if not argv:
        _help_and_exit(parser)
    parsed, extra = parser.parse_known_args(argv)
    chosen: Parser = parsed._parser
    if extra:
        what = "No such option" if extra[0].startswith("-") else "Got unexpected extra argument"
        chosen.error(f"{what}: {extra[0]}")
    target = getattr(parsed, "_command", None)
    if target is None:
        _help_and_exit(chosen)
    if before_impure is not None and not target.pure:
        before_impure()
    return target.invoke(parsed)


def _help_and_exit(parser: argparse.ArgumentParser) -> NoReturn:
    echo(parser.format_help(), nl=False)
    sys.exit(2)
