"""Exceptions raised by diffkit.

Every message names what went wrong and how to fix it.  All of them derive
from :class:`DiffkitError`, so ``except diffkit.DiffkitError`` catches any
problem diffkit reports on purpose.
"""


class DiffkitError(Exception):
    """Base class of every error diffkit raises on purpose."""


class TraceError(DiffkitError, TypeError):
    """A Python function cannot be turned into a graph as written."""


class ParseError(DiffkitError, SyntaxError):
    """An expression string is not a valid diffkit expression.

    Carries the 1-based ``lineno`` and 0-based column ``offset`` of the
    offending token, and ``str()`` shows the line with a caret under it.
    """

    def __init__(self, message, source="", lineno=1, offset=0):
        super().__init__(message)
        self.msg = message
        self.source = source
        self.lineno = lineno
        self.offset = offset

    def __str__(self):
        lines = self.source.splitlines() or [""]
        line = lines[self.lineno - 1] if 0 < self.lineno <= len(lines) else ""
        where = f"line {self.lineno}, column {self.offset + 1}"
        return f"{self.msg} (at {where})\n    {line}\n    {' ' * self.offset}^"


class ShapeError(DiffkitError, ValueError):
    """Operand shapes do not fit together (broadcasting, matmul, concatenate...)."""


class UnsupportedError(DiffkitError, NotImplementedError):
    """A NumPy function, method or argument diffkit does not (yet) support."""


class GraphError(DiffkitError, ValueError):
    """A graph is malformed: a cycle, a wrong arity or an inconsistent shape."""


class ArgumentError(DiffkitError, TypeError):
    """Values passed to a graph do not match its inputs (their number or kind)."""


class OptionError(DiffkitError, TypeError, ValueError):
    """An option of a method or function is unknown, or its value is not valid."""


class OutputError(DiffkitError, OSError):
    """diffkit will not write where it was asked: a folder or file it did not write, or a
    folder it must never replace (the current one, a parent of it, home, the root)."""


class NonFiniteError(DiffkitError, ValueError):
    """A function or its gradient is nan or infinite where a finite value is needed."""
