"""The runtime: running a checked program's values and tangents from Python.

Every caller that runs a program (the backends, finite differences, the
checked :func:`values` and :func:`tangents`) goes through here.  The io
array, the packed inputs followed by room for the packed outputs, comes
from :meth:`Program.io <diffkit.program.format.Program.io>`; :func:`load`
checks a program once and hands back the compiled kernels that the runners
below call.

Examples
--------
>>> import numpy as np, diffkit
>>> from diffkit.program.lower import lower
>>> program = lower(diffkit.parse("x * y + 1"))
>>> run = values_runner(program, load(program))
>>> io = program.io([2.0, 3.0])
>>> run(io)
>>> io            # the inputs, then the output
array([2., 3., 7.])
>>> out, T = tangent_runner(program, load(program), [0, 1])(np.array([2.0, 3.0]))
>>> out, T        # d/dx = y, d/dy = x
(array([7.]), array([[3.],
       [2.]]))
"""
import threading

import numpy as np

from ..program.format import K_CALL, R_KIND
from .validate import validate

#: Largest tangent block, in float64 values (rows x workspace), before chunking.
BLOCK_BUDGET = 1 << 22
#: Workspaces of at least this many values are kept per thread and reused:
#: the pages of a fresh large allocation cost more than the work on them.
REUSE_SLOTS = 1 << 16


def load(program):
    """The compiled kernels, once ``program`` has passed :func:`~.validate.validate`.

    The runners trust the program they are given with its kernels: the check
    is made here, once, and no kernel is compiled or loaded for a program
    that fails it.
    """
    validate(program.ints, program.consts)
    from .build import kernels
    return kernels(array_ops=bool(np.any(program.rows()[:, R_KIND] == K_CALL)))


def values_runner(program, kern):
    """``run(io)``: execute ``program`` on an io array (inputs in, outputs after them)."""
    ints, consts = program.ints, program.consts
    if program.n_slots < REUSE_SLOTS:
        values = kern.values
        return lambda io: values(ints, consts, io)
    local, values_in, n_slots = threading.local(), kern.values_in, program.n_slots

    def run(io):
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = np.empty(n_slots)
        values_in(ints, consts, io, buf)

    return run


def block_width(program, k, block=None):
    """Tangent directions per kernel run: all k, unless the workspace would be too big."""
    return block or max(1, min(k, BLOCK_BUDGET // max(program.n_slots, 1)))


def n_blocks(program, k, block=None):
    """Kernel runs that push k tangent directions through ``program``."""
    return -(-max(k, 1) // block_width(program, k, block))


def tangent_runner(program, kern, columns, block=None):
    """``run(x) -> (outputs, T)``: tangents of all outputs along the unit vectors
    ``columns`` of the packed input; T has shape (len(columns), n_outputs).

    Blocks of directions keep the tangent workspace within
    :data:`BLOCK_BUDGET`; they are built once here when they fit that budget
    too (small problems, where rebuilding them per call cost several times
    the kernel), and per call otherwise.
    """
    k, n_in, n_out = len(columns), program.n_inputs, program.n_outputs
    width = block_width(program, k, block)
    starts = list(range(0, max(k, 1), width))

    def unit_block(start):
        rows = columns[start:start + width]
        tx = np.zeros((len(rows), n_in))
        tx[np.arange(len(rows)), rows] = 1.0
        return tx

    kept = [unit_block(s) for s in starts] if k * n_in <= BLOCK_BUDGET else None
    ints, consts, tangents = program.ints, program.consts, kern.tangents

    def run(x):
        io = program.io(x)  # the kernel reads the inputs and rewrites only the outputs
        tout = np.empty((k, n_out))
        for i, start in enumerate(starts):
            tx = kept[i] if kept is not None else unit_block(start)
            tangents(ints, consts, io, tx, tout[start:start + tx.shape[0]])
        return io[n_in:], tout

    return run


def direction_runner(program, kern):
    """``run(x, direction) -> (outputs, tangents)`` along one direction of the packed input."""
    ints, consts, tangents, n_in = program.ints, program.consts, kern.tangents, program.n_inputs

    def run(x, direction):
        io = program.io(x)
        tout = np.empty((1, program.n_outputs))
        tangents(ints, consts, io, direction.reshape(1, -1), tout)
        return io[n_in:], tout[0]

    return run


def values(program, x):
    """Packed outputs of ``program`` at packed inputs ``x`` (a float vector).

    Checks the program and ``x`` first (:meth:`~diffkit.program.format.Program.checked`);
    the backends check once at compile time and use the runners.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> from diffkit.program.lower import lower
    >>> program = lower(diffkit.parse("x * y + 1"))
    >>> values(program, np.array([2.0, 3.0]))
    array([7.])
    >>> values(program, np.array([2.0]))
    Traceback (most recent call last):
    ...
    diffkit.errors.ShapeError: the packed inputs x have shape (1,); this program takes a 1-d vector of 2 values (its inputs, flattened and joined)
    """
    kern = load(program)
    io = program.io(program.checked(x))
    values_runner(program, kern)(io)
    return io[program.n_inputs:]


def tangents(program, x, tx):
    """(packed outputs, (K, n_out) tangents) for a (K, n_inputs) block ``tx``; checks first.

    Examples
    --------
    >>> import numpy as np, diffkit
    >>> from diffkit.program.lower import lower
    >>> program = lower(diffkit.parse("x * y"))
    >>> tangents(program, np.array([2.0, 3.0]), np.array([[1.0, 0.0], [1.0, 1.0]]))
    (array([6.]), array([[3.],
           [5.]]))
    """
    kern = load(program)
    x, tx = program.checked(x, tx)
    io = program.io(x)
    tout = np.empty((tx.shape[0], program.n_outputs))
    kern.tangents(program.ints, program.consts, io, tx, tout)
    return io[program.n_inputs:], tout
