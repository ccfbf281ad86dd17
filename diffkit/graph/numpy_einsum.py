"""np.einsum on traced values, contracted pairwise in a good order.

Every subscript form NumPy accepts: explicit (``'ij,jk->ik'``) and implicit
output (the labels that occur once, in alphabetical order, after the
broadcast axes), ellipses, repeated labels in one operand (a diagonal,
taken by one gather), labels of length 1 broadcast against longer ones,
and the interleaved form ``np.einsum(a, [0, 1], b, [1, 2], [0, 2])``.

The steps, all existing ops: each operand's diagonals are gathered and its
labels that no other operand or the output needs are summed; then pairs of
operands are contracted in the order ``np.einsum_path(optimize='greedy')``
gives, each pair as one (batched) matmul of transposed and reshaped
operands; the result is transposed to the output's order.  The sums are
associated differently from np.einsum's, so values agree with NumPy's to
rounding (a few ulps of the sum of absolute terms), not bit for bit.
"""
import string

import numpy as np

from .. import ops
from ..errors import ShapeError, TraceError
from .numpy_functions import _check_float64, no_extras
from .numpy_structure import rearrange

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _interleaved(args):
    """``(a, [0, 1], b, [1, 2], [0, 2])`` -> ``'ab,bc->ac'`` and the operands."""
    def term(sublist):
        try:
            return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sublist)
        except (IndexError, TypeError):
            raise TraceError("np.einsum: sublists hold ints from 0 to 51 and Ellipsis, got "
                             f"{sublist!r}") from None
    if len(args) % 2:  # an output sublist last
        return ",".join(map(term, args[1:-1:2])) + "->" + term(args[-1]), list(args[0:-1:2])
    return ",".join(map(term, args[1::2])), list(args[0::2])


def _labels(subscripts, shapes):
    """Each operand's labels (one per axis, ellipses expanded) and the output's."""
    subscripts = subscripts.replace(" ", "")
    lhs, arrow, rhs = subscripts.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ShapeError(f"np.einsum: {subscripts!r} names {len(terms)} operand(s) but "
                         f"{len(shapes)} were given")
    bad = set(subscripts) - set(_LETTERS) - set(",.->")
    if bad:
        raise TraceError(f"np.einsum: {subscripts!r} has invalid character(s) "
                         f"{sorted(bad)}; labels are letters")
    free = [c for c in _LETTERS if c not in subscripts]
    dots = max([len(s) - len(t) + 3 for t, s in zip(terms, shapes) if "..." in t] + [0])
    broadcast = free[:dots]

    def expand(term, nd=None):
        if "..." in term:
            head, _, tail = term.partition("...")
            k = dots if nd is None else nd - len(head) - len(tail)
            if "." in head + tail or k < 0:
                raise ShapeError(f"np.einsum: term {term!r} does not fit its operand")
            return list(head) + broadcast[len(broadcast) - k:] + list(tail)
        if "." in term:
            raise TraceError(f"np.einsum: {term!r} has a '.' outside an ellipsis '...'")
        return list(term)

    inputs = [expand(t, len(s)) for t, s in zip(terms, shapes)]
    for t, s, labels in zip(terms, shapes, inputs):
        if len(labels) != len(s):
            raise ShapeError(f"np.einsum: term {t!r} has {len(labels)} label(s) for an "
                             f"operand of shape {tuple(s)}")
    seen = [c for labels in inputs for c in labels]
    if arrow:
        if dots and "..." not in rhs:
            raise ShapeError(f"np.einsum: {subscripts!r} has broadcast axes ('...') but its "
                             "output does not; write '...' in the output too")
        output = expand(rhs)
        missing = [c for c in output if c not in seen]
        if missing or len(set(output)) != len(output):
            raise ShapeError(f"np.einsum: the output {rhs!r} repeats a label or has one "
                             "that no operand has")
    else:
        output = broadcast + sorted(c for c in set(seen) - set(broadcast)
                                    if seen.count(c) == 1)
    return inputs, output


def _sizes(inputs, shapes):
    """The length of every label: equal lengths, or 1 (broadcast)."""
    sizes = {}
    for labels, shape in zip(inputs, shapes):
        for c, n in zip(labels, shape):
            if sizes.get(c, 1) == 1:
                sizes[c] = n
            elif n not in (1, sizes[c]):
                raise ShapeError(f"np.einsum: label {c!r} has lengths {sizes[c]} and {n}; "
                                 "the axes a label names must have one length (or 1)")
    return sizes


def _prepare(x, labels, needed, sizes):
    """Diagonals gathered, unneeded labels summed, unit axes broadcast."""
    unique = list(dict.fromkeys(labels))
    if len(unique) != len(labels):
        spec = "".join(labels) + "->" + "".join(unique)
        x = rearrange(x, lambda p: np.einsum(spec, p))
    drop = tuple(i for i, c in enumerate(unique) if c not in needed)
    if drop:
        x = ops.call("sum", x, axis=drop)
        unique = [c for c in unique if c in needed]
    shape = tuple(sizes[c] for c in unique)
    if np.shape(x) != shape:
        x = ops.call("broadcast_to", x, shape=shape)
    return x, unique


def _contract(x, lx, y, ly, keep, sizes):
    """x and y contracted over their common labels not in ``keep``: one matmul."""
    batch = [c for c in lx if c in ly and c in keep]
    summed = [c for c in lx if c in ly and c not in keep]
    fx = [c for c in lx if c not in ly]
    fy = [c for c in ly if c not in lx]

    def arranged(v, lv, groups):
        order = [lv.index(c) for g in groups for c in g]
        if order != list(range(len(lv))):
            v = ops.call("transpose", v, axes=tuple(order))
        return ops.call("reshape", v, shape=tuple(ops.size([sizes[c] for c in g])
                                                  for g in groups))
    product = ops.call("matmul", arranged(x, lx, (batch, fx, summed)),
                       arranged(y, ly, (batch, summed, fy)))
    labels = batch + fx + fy
    return ops.call("reshape", product, shape=tuple(sizes[c] for c in labels)), labels


def einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    """np.einsum with every subscript form; ``optimize`` is accepted and the
    contraction order is always the greedy one.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> A = np.arange(4.0).reshape(2, 2)
    >>> diffkit.grad(lambda a: np.einsum("ii", a @ a))(A)  # d trace(A A) = 2 A^T
    array([[0., 4.],
           [2., 6.]])
    """
    no_extras("einsum", {"out": out})
    _check_float64("einsum", dtype)
    if operands and isinstance(operands[0], str):
        subscripts, arrays = operands[0], list(operands[1:])
    else:
        subscripts, arrays = _interleaved(operands)
    if not arrays:
        raise TraceError("np.einsum needs at least one operand")
    shapes = [np.shape(a) for a in arrays]
    inputs, output = _labels(subscripts, shapes)
    sizes = _sizes(inputs, shapes)
    terms = []
    for k, (x, labels) in enumerate(zip(arrays, inputs)):
        others = {c for j, lab in enumerate(inputs) if j != k for c in lab}
        terms.append(_prepare(x, labels, others | set(output), sizes))
    if len(terms) > 1:
        spec = ",".join("".join(lab) for _, lab in terms) + "->" + "".join(output)
        dummies = [np.broadcast_to(np.empty(()), np.shape(x)) for x, _ in terms]
        path = np.einsum_path(spec, *dummies, optimize="greedy")[0][1:]
        for step in path:
            picked = [terms[i] for i in step]
            terms = [t for i, t in enumerate(terms) if i not in step]
            x, lx = picked[0]
            for k, (y, ly) in enumerate(picked[1:], 2):
                later = {c for _, lab in terms + picked[k:] for c in lab}
                x, lx = _contract(x, lx, y, ly, later | set(output), sizes)
            terms.append((x, lx))
    (x, labels), = terms
    x, labels = _prepare(x, labels, set(output), sizes)
    perm = tuple(labels.index(c) for c in output)
    if perm != tuple(range(len(perm))):
        x = ops.call("transpose", x, axes=perm)
    return x


FUNCTIONS = {np.einsum: einsum}
