"""Cost records: deterministic counts of what a derivative computation did.

Counts, not times: they depend only on the program and the method, so tests
can assert complexity claims exactly and the profiler can fit exponents
without machine noise.
"""
from dataclasses import dataclass, field


@dataclass(kw_only=True)
class Cost:
    """What one call of a compiled derivative executes.

    Built with keywords only: seven numbers in a row are easy to misplace.

    Attributes
    ----------
    method : str
        The backend ("forward", "reverse", ...).
    flops : int
        Floating-point operations, counted from the op table's costs.
    function_flops : int
        Flops of one evaluation of the function itself.
    evaluations : int
        Kernel runs (values sweeps) per call.
    tangents : int
        Tangent directions pushed per call (forward mode, second order).
    stored_bytes : int
        Bytes of intermediate values held at once (the workspaces).
    ops : dict
        Executed instructions per op name.

    Examples
    --------
    >>> cost = Cost(method="reverse", flops=12, function_flops=4, stored_bytes=80)
    >>> cost.sweeps, cost.evaluations
    (3.0, 1)
    >>> Cost("reverse", 12, 4)
    Traceback (most recent call last):
    ...
    TypeError: Cost.__init__() takes 1 positional argument but 4 were given
    """

    method: str
    flops: int
    function_flops: int
    evaluations: int = 1
    tangents: int = 0
    stored_bytes: int = 0
    ops: dict = field(default_factory=dict)

    @property
    def sweeps(self):
        """Cost in function evaluations: flops / function flops."""
        return self.flops / self.function_flops if self.function_flops else float("nan")

    def as_dict(self):
        """The record as a plain dict, ``sweeps`` included."""
        return {"method": self.method, "flops": self.flops,
                "function_flops": self.function_flops, "sweeps": self.sweeps,
                "evaluations": self.evaluations, "tangents": self.tangents,
                "stored_bytes": self.stored_bytes, "ops": dict(self.ops)}
