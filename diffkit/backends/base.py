"""What every differentiation backend shares: the registry, options and result shapes.

A backend turns a Graph into compiled callables for five requests: ``grad``,
``value_and_grad``, ``jacobian``, ``hessian`` and ``hvp``.  Each compiled
callable takes the graph's arguments and has a ``cost`` attribute (a
:class:`~diffkit.cost.Cost`).  Every backend is chosen by the same word,
``method=...``, everywhere in diffkit.
"""
import difflib
import math
from typing import Callable, NamedTuple

import numpy as np

from ..errors import DiffkitError, OptionError

REQUESTS = ("grad", "value_and_grad", "jacobian", "hessian", "hvp")
_BACKENDS = {}


def register(name):
    """Class decorator adding a backend under ``name``.

    Examples
    --------
    >>> methods()
    ['fd', 'forward', 'reverse', 'symbolic']
    >>> get("reverse").name
    'reverse'
    >>> get("backward")
    Traceback (most recent call last):
    ...
    diffkit.errors.OptionError: unknown method 'backward'; choose one of fd, forward, reverse, symbolic
    """
    def deco(cls):
        _BACKENDS[name] = cls
        cls.name = name
        return cls
    return deco


def get(method):
    """The backend class called ``method``."""
    try:
        return _BACKENDS[method]
    except (KeyError, TypeError):  # TypeError: an unhashable method=[...]
        raise OptionError(f"unknown method {method!r}; choose one of "
                          f"{', '.join(sorted(_BACKENDS))}") from None


def methods():
    """Names of the registered backends."""
    return sorted(_BACKENDS)


def nan_where_not_finite(outputs, derivatives):
    """``derivatives`` (one column per output entry) with nan where the output is not finite.

    The rule for non-finite values: where f itself is inf or nan, no
    derivative of it is trustworthy, so every backend reports nan there, as
    IEEE arithmetic would.  The AD sweeps need it spelled out: they propagate
    through a product in which a zero factor wins (0 * inf = 0, which makes
    an unselected ``np.where`` branch contribute exactly 0), and that same
    product would turn an overflow such as ``log(exp(800))`` into a confident
    derivative of 0.

    Examples
    --------
    >>> nan_where_not_finite(np.array([1.0, np.inf]), np.array([[2.0, 3.0]]))
    array([[ 2., nan]])
    """
    # the common case costs one test: a scalar's item() is 20x cheaper than a ufunc
    if math.isfinite(outputs.item()) if outputs.size == 1 else np.isfinite(outputs).all():
        return derivatives
    derivatives = derivatives.copy()
    derivatives[:, ~np.isfinite(outputs)] = np.nan
    return derivatives


def _did_you_mean(key, names):
    owners = [name for name, cls in sorted(_BACKENDS.items()) if key in cls.OPTIONS]
    if owners:
        return f" ({key} is an option of method={owners[0]!r})"
    close = difflib.get_close_matches(key, list(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def scalar_output(graph, what):
    if len(graph.outputs) != 1 or graph.output_shapes[0] != ():
        raise DiffkitError(f"{what} needs a function with one scalar output, got output "
                           f"shape(s) {list(graph.output_shapes)}; use diffkit.jacobian")


def single_output(graph):
    if len(graph.outputs) != 1:
        raise DiffkitError("jacobian takes a function with one output; return "
                           "np.concatenate([...]) of the outputs instead of a tuple")


def jacobian_blocks(flat, packing, wrt, out_shape):
    """Split an (m, n_wrt) Jacobian into blocks of shape out_shape + input shape."""
    pieces, pos = [], 0
    for i in wrt:
        size = packing.sizes[i]
        pieces.append(flat[:, pos:pos + size].reshape(out_shape + packing.shapes[i]))
        pos += size
    return tuple(pieces)


def hessian_blocks(flat_rows, packing, wrt):
    """Split a (n_wrt, n_wrt) matrix into nested blocks shaped T_i + T_j."""
    sizes = [packing.sizes[i] for i in wrt]
    cuts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    rows = []
    for a, i in enumerate(wrt):
        row = []
        for b, j in enumerate(wrt):
            block = flat_rows[cuts[a]:cuts[a + 1], cuts[b]:cuts[b + 1]]
            row.append(block.reshape(packing.shapes[i] + packing.shapes[j]))
        rows.append(tuple(row))
    return tuple(rows)


class Option(NamedTuple):
    """One keyword option of a backend: its default, its test and what it expects."""

    default: object
    valid: Callable[[object], bool]
    expect: str


def is_positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1


def is_positive_number(value):
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, bool) and 0 < value < np.inf)


def optional(test):
    """``test``, also passing None (the option's automatic choice)."""
    return lambda value: value is None or test(value)


class Backend:
    """Base class: subclasses implement ``compile_<request>(graph, wrt)``.

    ``OPTIONS`` maps each keyword option of the method to an :class:`Option`;
    the constructor rejects unknown names and invalid values, naming the
    method's options, so a typo never passes silently.
    """

    name = "?"
    OPTIONS = {}

    def __init__(self, **options):
        for key, value in options.items():
            spec = self.OPTIONS.get(key)
            if spec is None:
                raise OptionError(f"method {self.name!r} has no option {key!r}"
                                  f"{_did_you_mean(key, self.OPTIONS)}; {self.describe()}")
            if not spec.valid(value):
                raise OptionError(f"method {self.name!r}: {key}={value!r} is not valid; "
                                  f"{key} must be {spec.expect}")
        self.options = {key: options.get(key, spec.default) for key, spec in self.OPTIONS.items()}

    @classmethod
    def describe(cls):
        """The method's options in words, as error messages list them."""
        if not cls.OPTIONS:
            return "it takes no options"
        return "its options are " + "; ".join(f"{k} ({o.expect})" for k, o in cls.OPTIONS.items())

    def compile_grad(self, graph, wrt):
        """The gradient part of ``compile_value_and_grad`` (the value comes free)."""
        vg = self.compile_value_and_grad(graph, wrt)

        def grad(*args):
            return vg(*args)[1]

        grad.cost = vg.cost
        return grad

    def compile(self, request, graph, wrt):
        if request not in REQUESTS:
            raise ValueError(f"unknown request {request!r}")
        fn = getattr(self, f"compile_{request}", None)
        if fn is None:
            raise DiffkitError(f"method {self.name!r} does not provide {request}")
        return fn(graph, tuple(wrt))
