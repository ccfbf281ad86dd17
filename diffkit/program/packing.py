"""Packing a graph's arguments into the one float64 vector a program takes, and back.

A program reads its inputs flattened and joined in order (see
:mod:`diffkit.program.format`); the derivative a backend returns is split
back into arrays shaped like the arguments.
"""
import numpy as np

from .. import ops
from ..errors import ShapeError
from ..graph.evaluate import check_values, real_array


class Packing:
    """Flattening a graph's arguments into one float64 vector and back.

    Parameters
    ----------
    graph : Graph
        Gives the inputs' names and shapes, in the order the program packs them.
    wrt : tuple of int
        Positions of the differentiated inputs; :attr:`wrt_columns` are their
        entries in the packed vector.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> packing = Packing(diffkit.parse("sum(A) * y", shapes={"A": (2, 2)}), wrt=(0,))
    >>> packing.pack((np.eye(2), 3.0))
    array([1., 0., 0., 1., 3.])
    >>> packing.wrt_columns
    array([0, 1, 2, 3])
    >>> packing.split(np.arange(4.0), (0,))
    (array([[0., 1.],
           [2., 3.]]),)
    """

    def __init__(self, graph, wrt):
        self.shapes = graph.input_shapes
        self.names = graph.input_names
        self.sizes = [ops.size(s) for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.n = int(self.offsets[-1])
        self.wrt = tuple(wrt)
        self.scalar_only = all(s == () for s in self.shapes)
        cols = [np.arange(self.offsets[i], self.offsets[i + 1]) for i in self.wrt]
        self.wrt_columns = np.concatenate(cols) if cols else np.zeros(0, dtype=int)

    def _fill(self, out, args):
        """``args``, checked, packed into the first entries of ``out``."""
        for i, arr in enumerate(check_values(self.names, self.shapes, args)):
            out[self.offsets[i]:self.offsets[i + 1]] = arr.ravel()
        return out

    def io(self, args, program):
        """A fresh io array of ``program`` (:meth:`~.format.Program.io`) holding the packed
        ``args``: no intermediate vector."""
        return self._fill(program.io(), args)

    def hvp_args(self, args):
        """Split ``(*args, v)`` of an HVP call into the packed arguments and the packed
        direction, checking that v has the shape of the differentiated argument(s)."""
        *args, v = args
        vs = (v,) if len(self.wrt) == 1 else tuple(v)
        shapes = [self.shapes[i] for i in self.wrt]
        got = [np.shape(t) for t in vs]
        if len(vs) != len(shapes) or any(tuple(g) != s for g, s in zip(got, shapes)):
            raise ShapeError(f"the direction v has shape(s) {got}; expected {shapes}, the "
                             "shape(s) of the differentiated argument(s)")
        flat_v = np.concatenate([np.ravel(real_array("the direction v", t)) for t in vs])
        return self.pack(args), flat_v

    def pack(self, args):
        """The packed argument vector."""
        return self._fill(np.empty(self.n), args)

    def split(self, flat, which):
        """Pieces of ``flat`` shaped like the inputs ``which`` (positions)."""
        out, pos = [], 0
        for i in which:
            size, shape = self.sizes[i], self.shapes[i]
            piece = flat[pos:pos + size]
            out.append(piece[0] if shape == () else piece.reshape(shape))
            pos += size
        return tuple(out)
