"""Differentiation backends, each chosen by one word: ``method="reverse"``...

Importing this package registers the built-in backends.

Examples
--------
>>> import diffkit
>>> from diffkit import backends
>>> backends.methods()
['fd', 'forward', 'reverse', 'symbolic']
>>> backends.get("forward").OPTIONS["block"].expect
'a positive int, the directions per kernel run, or None for automatic'
"""
from .base import Backend, get, methods, register
from . import forward, reverse  # noqa: F401  (register "forward" and "reverse")
from . import fd, symbolic  # noqa: F401  (register "fd" and "symbolic")

__all__ = ["Backend", "get", "methods", "register"]
