"""From graphs to executable programs.

* :mod:`.format`: the flat program format (named fields) and :class:`~.format.Program`;
  ``print(program)`` shows it as text (:mod:`.disassemble`).
* :mod:`.lower`: a graph becomes a program.
* :mod:`.packing`: arguments become the packed input vector, derivatives
  are split back into arrays.
* :mod:`.adjoint`: the adjoint graph reverse mode runs; :mod:`.reference`:
  the plain NumPy sweeps every kernel is tested against.

The kernels that run programs are :mod:`diffkit.kernels`.
"""
