"""From graphs to executable programs.

* :mod:`.format`: the flat program format (named fields) and :class:`~.format.Program`;
  ``print(program)`` shows it as text (:mod:`.disassemble`).
* :mod:`.lower`: a graph becomes a program.
* :mod:`.packing`: arguments become the packed input vector, derivatives
  are split back into arrays.
* :mod:`.adjoint`: the adjoint graph reverse mode runs; :mod:`.reference`:
  the plain NumPy sweeps every kernel is tested against.

The kernels that run programs are :mod:`diffkit.kernels`.

Examples
--------
>>> import diffkit
>>> from diffkit.program.lower import lower
>>> print(lower(diffkit.parse("exp(x) + x")))
program: 2 instructions, 3 slots
inputs:
  x: () at s0
instructions:
  s1 = exp s0
  s2 = add s1 s0
outputs:
  () at s2
"""
