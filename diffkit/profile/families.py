"""Function families: one function per value of a size parameter, for sweeps.

A :class:`Family` turns a size into a :class:`Case` (a function, a point and
which arguments to differentiate).  The built-in families are the ones the
lectures reason about: Rosenbrock in d (vectorized and as a scalar loop),
MLPs in width w, depth L and input dimension d, chains of compositions (for
expression swell) and random DAGs of V nodes and E edges.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import OptionError

__all__ = ["Case", "Family", "rosenbrock", "rosenbrock_loop", "mlp", "composition_chain",
           "random_dag"]


@dataclass(frozen=True)
class Case:
    """A function, the point to differentiate it at, and ``argnums``."""

    fn: Callable
    args: tuple
    argnums: object = 0


@dataclass(frozen=True)
class Family:
    """Functions indexed by one size parameter.

    Attributes
    ----------
    name : str
        Short name used in tables and file names.
    parameter : str
        The size parameter's name (``"d"``, ``"w"``, ``"L"``, ``"V"``, ``"n"``).
    build : callable
        ``build(size) -> Case``.
    """

    name: str
    parameter: str
    build: Callable

    def __call__(self, size):
        return self.build(int(size))


def _point(d):
    """A fixed, non-symmetric point in R^d (no lucky zeros in the derivatives)."""
    return np.cos(np.arange(d) + 0.5) * 1.2


def _rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosenbrock_loop(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock():
    """Vectorized Rosenbrock in d: a few whole-array ops whatever d.

    Examples
    --------
    >>> from diffkit.profile import families
    >>> import numpy as np
    >>> case = families.rosenbrock()(5)
    >>> case.args[0].shape, float(case.fn(np.ones(5)))   # minimum 0 at (1, ..., 1)
    ((5,), 0.0)
    """
    return Family("rosenbrock", "d", lambda d: Case(_rosenbrock, (_point(d),)))


def rosenbrock_loop():
    """Rosenbrock as a Python loop over scalars: a graph of O(d) scalar nodes.

    Examples
    --------
    >>> import numpy as np
    >>> from diffkit.profile import families
    >>> case = families.rosenbrock_loop()(5)
    >>> bool(np.isclose(case.fn(*case.args), families.rosenbrock()(5).fn(*case.args)))
    True
    """
    return Family("rosenbrock_loop", "d", lambda d: Case(_rosenbrock_loop, (_point(d),)))


def _mlp_loss(x, *params):
    h = x
    for W, b in zip(params[::2], params[1::2]):
        h = np.tanh(h @ W + b)
    return np.sum(h * h)


def mlp(vary="w", width=32, depth=2, d=8, wrt="input"):
    """A tanh MLP ``h <- tanh(h W + b)``, L layers of width w on an input of dimension d.

    The loss is ``sum(h_L ** 2)``; one forward pass costs about
    ``2 (d w + (L - 1) w^2)`` flops.  Each layer's W and b are separate
    arguments, so a parameter gradient is a tuple of arrays.

    Parameters
    ----------
    vary : {"w", "L", "d"}
        The swept parameter; the other two keep the values given.
    width, depth, d : int
    wrt : {"input", "params"}
        Differentiate with respect to the input x or to all the weights.

    Examples
    --------
    >>> from diffkit.profile import families
    >>> fam = families.mlp(vary="L", width=4, d=3, wrt="params")
    >>> case = fam(2)
    >>> fam.name, [a.shape for a in case.args], case.argnums
    ('mlp_params_L', [(3,), (3, 4), (4,), (4, 4), (4,)], (1, 2, 3, 4))
    """
    if vary not in ("w", "L", "d") or wrt not in ("input", "params"):
        raise OptionError(f"vary must be 'w', 'L' or 'd' and wrt 'input' or 'params', "
                          f"got vary={vary!r}, wrt={wrt!r}")

    def build(size):
        dims = {"w": width, "L": depth, "d": d, vary: size}
        w, n_layers = dims["w"], dims["L"]
        rng = np.random.default_rng(0)
        params = []
        for fan_in in [dims["d"]] + [w] * (n_layers - 1):
            params += [rng.standard_normal((fan_in, w)) / np.sqrt(fan_in),
                       0.1 * rng.standard_normal(w)]
        args = (_point(dims["d"]), *params)
        argnums = 0 if wrt == "input" else tuple(range(1, len(args)))
        return Case(_mlp_loss, args, argnums)

    return Family(f"mlp_{wrt}_{vary}", vary, build)


def composition_chain():
    """n compositions of the logistic map ``l <- 4 l (1 - l)``: the classic swell example.

    The function's graph grows linearly in n; its derivative written out as
    one expression without shared subexpressions grows exponentially.

    Examples
    --------
    >>> from diffkit.profile import families
    >>> case = families.composition_chain()(3)
    >>> case.args, round(float(case.fn(*case.args)), 6)   # 0.3 -> 0.84 -> 0.5376 -> 0.994345
    ((0.3,), 0.994345)
    """
    def chain(n):
        def logistic_chain(x):
            for _ in range(n):
                x = 4.0 * x * (1.0 - x)
            return x
        logistic_chain.__name__ = f"logistic_chain_{n}"
        return Case(logistic_chain, (0.3,))

    return Family("composition_chain", "n", chain)


def dag_spec(V, fan_in=1.5, inputs=2, seed=0):
    """The recipe of a random DAG: ``[(op, operand indices), ...]`` after ``inputs`` inputs.

    Node i uses node i - 1 (so every node reaches the output) and, with
    probability ``fan_in - 1``, one earlier node chosen uniformly; hence
    E is about ``fan_in (V - inputs)``.

    Examples
    --------
    >>> from diffkit.profile.families import dag_spec
    >>> spec = dag_spec(6, fan_in=2.0, inputs=2)
    >>> len(spec), [operands[0] for _, operands in spec], [len(o) for _, o in spec]
    (4, [1, 2, 3, 4], [2, 2, 2, 2])
    """
    rng = np.random.default_rng(seed)
    spec = []
    for i in range(inputs, V):
        if i == 1 or rng.random() >= fan_in - 1.0:
            spec.append((("sin", "tanh")[rng.integers(2)], (i - 1,)))
        else:
            spec.append((("mul", "add")[rng.integers(2)], (i - 1, int(rng.integers(i - 1)))))
    return spec


_DAG_OPS = {"sin": np.sin, "tanh": np.tanh, "mul": np.multiply,
            "add": lambda a, b: np.tanh(a) + b}


def random_dag(fan_in=1.5, inputs=2, seed=0):
    """Random scalar DAGs with about V nodes and ``fan_in (V - inputs)`` edges.

    ``add`` nodes squash one operand with tanh (one more node) so values
    stay bounded whatever the depth.

    Examples
    --------
    >>> import diffkit
    >>> from diffkit.profile import families
    >>> case = families.random_dag()(40)
    >>> g = diffkit.trace(case.fn, *case.args)
    >>> 40 <= g.num_nodes <= 60, g.num_edges > g.num_nodes - 2
    (True, True)
    """
    def build(V):
        spec = dag_spec(V, fan_in, inputs, seed)

        def dag(*xs):
            values = list(xs)
            for op, operands in spec:
                values.append(_DAG_OPS[op](*(values[j] for j in operands)))
            return values[-1]

        return Case(dag, tuple(0.1 * (k + 1) for k in range(inputs)), tuple(range(inputs)))

    return Family(f"random_dag_{fan_in:g}", "V", build)
