"""The one exception type users see: the CLI prints its message as a single line and exits 2."""


class UserError(Exception):
    """Bad input: what is wrong, where, and how to fix it, in one line."""

    exit_code = 2
