"""The op table: one record per primitive, read by every other part of diffkit.

Examples
--------
>>> from diffkit import ops
>>> op = ops.get("maximum")
>>> op.arity, op.smooth
(2, False)
>>> "sin" in ops.names()
True
"""
from .core import (KINDS, ArrayKernel, Op, Reduce, Scatter, all_ops, broadcast_shapes, call, get, names,
                   normalize_axis, register, size, unbroadcast, zmul)
# fill the table
from . import elementwise, reductions, structural, linalg, scans, dense, sorting  # noqa: F401
from . import special  # noqa: F401  (scipy.special's functions)
from .structural import IndexArray, format_index, make_index, numpy_index

__all__ = ["KINDS", "ArrayKernel", "Op", "Reduce", "Scatter", "all_ops", "broadcast_shapes", "call", "get",
           "names", "normalize_axis", "register", "size", "unbroadcast", "zmul", "IndexArray",
           "format_index", "make_index", "numpy_index"]
