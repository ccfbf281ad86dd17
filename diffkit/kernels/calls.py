"""The kernels of array ops (scans, sorts...): their records' loops and a dispatch.

An op of kind ``"array"`` brings its compiled loop in its record
(:class:`diffkit.ops.ArrayKernel`).  :func:`generate` pastes those
functions' source into the kernel module and writes two dispatch functions
that branch on the op's code of :data:`diffkit.program.format.ARRAY_CODES`:
``call_values`` runs the loop on the workspace, ``call_tangent`` the loop's
tangent on one tangent row (the loop itself on the tangents for a linear
op).  Adding such an op is its record alone.

Examples
--------
>>> text = generate()
>>> "def call_values(f, v, out," in text
True
>>> "cumsum_kernel(t, out," in text      # cumsum is linear: its loop runs on the tangents
True
"""
import inspect

from ..program.format import ARRAY_CODES, ARRAY_KERNELS

_ARGS = "out, n, a, na, b, nb, c, nc, ints, aux, naux"


def _sources():
    """Source of every loop and helper the array ops name, each once."""
    seen, parts = {}, []
    for kernel in ARRAY_KERNELS:
        for fn in (kernel.values, kernel.tangent, *kernel.helpers):
            if fn is None or seen.get(fn.__name__) is fn:
                continue
            if fn.__name__ in seen:
                raise ValueError(f"two array kernels are named {fn.__name__!r}; kernel "
                                 "function names must be unique")
            seen[fn.__name__] = fn
            parts.append(inspect.getsource(fn))
    return parts


def generate(loops=True):
    """Source of the array ops' loops, ``call_values`` and ``call_tangent``.

    ``loops=False``: the two dispatch functions without any loop, for the
    kernel module of programs that have no call rows.  The array ops' loops
    (LAPACK through numba above all) take minutes to compile; a program
    pays for them only if it uses them.
    """
    values = [f"def call_values(f, v, {_ARGS}):", "    pass"]
    tangent = [f"def call_tangent(f, v, t, {_ARGS}):", "    pass"]
    if not loops:
        return "\n\n".join(["\n".join(values), "\n".join(tangent)]) + "\n"
    for (name, code), kernel in zip(ARRAY_CODES.items(), ARRAY_KERNELS):
        test = f"    {'if' if code == 0 else 'elif'} f == {code}:  # {name}"
        values += [test, f"        {kernel.values.__name__}(v, {_ARGS})"]
        tangent.append(test)
        if kernel.tangent is None:  # linear: the loop on the tangents
            tangent.append(f"        {kernel.values.__name__}(t, {_ARGS})")
        else:
            tangent.append(f"        {kernel.tangent.__name__}(v, t, {_ARGS})")
    return "\n\n".join(_sources() + ["\n".join(values), "\n".join(tangent)]) + "\n"
