"""Symbolic differentiation with SymPy: ``method="symbolic"`` and readable derivatives.

A graph becomes SymPy expressions (:mod:`~diffkit.symbolic.convert`, one
expression per array entry), ``sympy.diff`` differentiates them, optional
common-subexpression elimination shares repeated pieces, and ``lambdify``
compiles the result (NumPy, or numba with ``compiler="numba"``).  Each run
records its expression swell (:class:`~diffkit.symbolic.swell.Swell`), and a
size limit and a time budget stop graphs too large for SymPy
(:class:`SymbolicTooLarge`).

SymPy is imported only when this package's functions run: ``import diffkit``
stays light.
"""
from .guard import SymbolicTooLarge

_LAZY = {"derivative": "derive", "Derivative": "derive", "to_sympy": "convert",
         "Swell": "swell", "compile_derivative": "engine"}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Derivative", "Swell", "SymbolicTooLarge", "compile_derivative", "derivative",
           "to_sympy"]
