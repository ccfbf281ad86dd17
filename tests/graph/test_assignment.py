"""Writes into traced arrays: ``y[idx] = v``, ``y[idx] += v`` and ``y op= v`` are
functional updates with NumPy's values, NumPy's view semantics and derivatives to
both the old array and the written value, in every method."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import diffkit
from diffkit import ShapeError, TraceError
from diffkit.testing import check_grads

X = np.random.default_rng(3).normal(size=6)
A = np.random.default_rng(4).normal(size=(3, 4))


def numpy_and_traced(fn, *args):
    """fn on NumPy arrays (fresh copies: fn may write into them) and on the traced graph."""
    want = fn(*(np.array(a) for a in args))
    got = diffkit.trace(fn, *args)(*args)
    return want, got


def written(index, value):
    """y = x.copy(); y[index] = value(x); the result and something of y's old value."""
    def fn(x):
        y = x.copy()
        y[index] = value(x)
        return y * x
    return fn


def added(index, value):
    def fn(x):
        y = x.copy()
        y[index] += value(x)
        return y * x
    return fn


# index forms reading supports, each written to, on a vector and a matrix
WRITES = {
    "int": (written(2, lambda x: np.sin(x[0])), X),
    "negative int": (written(-1, lambda x: x[0] * 3.0), X),
    "number": (written(1, lambda x: 2.5), X),
    "slice": (written(slice(1, 4), lambda x: x[3:] ** 2), X),
    "slice with step": (written(slice(None, None, 2), lambda x: np.exp(x[1::2])), X),
    "negative step": (written(slice(None, 1, -2), lambda x: x[:2] * x[4:]), X),
    "broadcast scalar into slice": (written(slice(2, None), lambda x: x[0]), X),
    "ellipsis": (written(Ellipsis, lambda x: x[::-1] + 1.0), X),
    "integer array": (written(np.array([4, 0, 2]), lambda x: x[:3] * 2.0), X),
    "integer list": (written([5, 1], lambda x: np.cos(x[2:4])), X),
    "duplicate indices keep the last": (written([0, 3, 0], lambda x: x[1:4] ** 3), X),
    "boolean mask": (written(X > 0, lambda x: -x[X > 0]), X),
    "boolean mask scalar": (written(X < 0, lambda x: x[2] ** 2), X),
    "constant array value": (written(slice(0, 2), lambda x: np.array([7.0, 8.0])), X),
    "row": (written(1, lambda x: x[0] * 2.0), A),
    "column": (written((slice(None), 2), lambda x: x[:, 0] ** 2), A),
    "entry": (written((2, 3), lambda x: np.sum(x)), A),
    "ellipsis and int": (written((Ellipsis, 0), lambda x: x[:, 1]), A),
    "row broadcast": (written(slice(1, 3), lambda x: x[0]), A),
    "fancy 2-d": (written(([0, 2], [1, 3]), lambda x: x[1, :2]), A),
    "mask 2-d": (written(A > 0.5, lambda x: 0.0), A),
    "add int": (added(2, lambda x: x[0] ** 2), X),
    "add slice with step": (added(slice(1, None, 2), lambda x: x[:3]), X),
    "add duplicate indices adds once": (added([1, 1, 4], lambda x: x[:3] * 2.0), X),
    "add mask": (added(X > 0, lambda x: 1.5), X),
    "add column": (added((slice(None), 1), lambda x: x[:, 3]), A),
    "add ellipsis": (added(Ellipsis, lambda x: x[0]), A),
}


@pytest.mark.parametrize("fn, x", WRITES.values(), ids=WRITES.keys())
def test_writes_give_numpys_values_bit_for_bit(fn, x):
    want, got = numpy_and_traced(fn, x)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert_array_equal(got, want)


def _every_method(fn, x):
    """symbolic, forward and reverse against central differences of the NumPy function,
    and finite differences (the fd method) against them."""
    check_grads(fn, x, modes=("symbolic", "forward", "reverse"))
    rev = diffkit.jacobian(fn, method="reverse")(x)
    fd = diffkit.jacobian(fn, method="fd", scheme="richardson")(x)
    # Richardson-extrapolated differences are accurate to ~1e-10 at this scale
    assert_allclose(fd, rev, rtol=0, atol=1e-8 * max(1.0, np.max(np.abs(rev))))


DIFFERENTIATED = ["int", "slice with step", "negative step", "broadcast scalar into slice",
                  "duplicate indices keep the last", "boolean mask", "column", "fancy 2-d",
                  "add duplicate indices adds once", "add mask", "add column"]


@pytest.mark.parametrize("name", DIFFERENTIATED)
def test_derivatives_flow_to_the_array_and_the_written_value(name):
    fn, x = WRITES[name]
    _every_method(fn, x)


def test_a_recurrence_written_entry_by_entry_has_the_textbook_gradient():
    # y[0] = x[0], y[i] = a y[i-1] + x[i]: d y[n-1] / d x[i] = a ** (n-1-i)
    a = 0.7

    def last(x):
        y = np.zeros_like(x)
        y[0] = x[0]
        for i in range(1, x.shape[0]):
            y[i] = a * y[i - 1] + x[i]
        return y[-1]

    want = a ** np.arange(X.size - 1, -1, -1.0)
    for method in ("symbolic", "forward", "reverse"):
        assert_allclose(diffkit.grad(last, method=method)(X), want, rtol=1e-14, atol=0)
    assert_allclose(diffkit.grad(last, method="fd")(X), want, rtol=1e-8, atol=1e-9)


# -- which names see a write: NumPy's rules ---------------------------------------------

def test_a_write_rebinds_the_tracer_and_names_of_the_same_object_see_it():
    seen = {}

    def fn(x):
        y = x.copy()
        z = y            # the same object: sees the write, as in NumPy
        before = y.node
        y[0] = 5.0
        seen["rebound"] = y.node != before
        return z

    got = diffkit.trace(fn, X)(X)
    assert seen["rebound"]
    assert got[0] == 5.0 and np.array_equal(got[1:], X[1:])


def views_and_copies(x):
    y = x * 1.0
    c = y.copy()            # a copy: keeps the old values
    s = y[0]                # one entry is a NumPy scalar: a copy
    v = y[1:4]              # a view: sees later writes into y
    t = y.reshape(2, 3).T   # a view of a view
    y[2] = 10.0
    v[0] = -1.0             # writes through into y[1]
    return np.concatenate([c, np.atleast_1d(s), v, t.ravel(), y])


def test_views_see_writes_and_copies_do_not_as_in_numpy():
    want, got = numpy_and_traced(views_and_copies, X)
    assert_array_equal(got, want)
    _every_method(views_and_copies, X)


def in_place_operators(x):
    A = x.reshape(2, 3) + 0.0
    row = A[0]              # a view
    row *= 2.0              # writes into A
    A[1] -= x[:3]
    A += 1.0
    A /= x[3:] ** 2 + 1.0
    A **= 2.0
    B = A.T
    B @= np.eye(2)          # shape kept: allowed, writes through into A
    s = x[0]
    t = s
    s += 1.0                # a 0-d value acts like a NumPy scalar: t keeps the old value
    return np.concatenate([A.ravel(), B.ravel(), np.stack([s, t])])


def test_in_place_operators_write_into_the_array_and_its_views():
    want, got = numpy_and_traced(in_place_operators, X)
    assert_array_equal(got, want)
    _every_method(in_place_operators, X)


def test_writing_a_view_of_itself_uses_the_old_values():
    # NumPy copies an overlapping right-hand side before writing
    def shift(x):
        y = x.copy()
        y[1:] = y[:-1]
        y[::2] += y[1::2]
        return y

    want, got = numpy_and_traced(shift, X)
    assert_array_equal(got, want)


def test_boolean_arrays_take_numpys_casts():
    def fn(x):
        m = x > 0
        m[0] = 2.5            # cast to True
        m[1] = x[1] * 0.0     # a traced zero: cast to False
        y = x.copy()
        y[:2] = m[2:4]        # booleans written into floats: 1.0 and 0.0
        return np.where(m, y, -y)

    want, got = numpy_and_traced(fn, X)
    assert_array_equal(got, want)


# -- errors ---------------------------------------------------------------------------

def test_a_traced_value_written_into_a_plain_array_names_both_fixes():
    def fn(x):
        z = np.zeros(3)
        z[0] = x[0]
        return z

    with pytest.raises(TraceError) as info:
        diffkit.trace(fn, X)
    text = str(info.value)
    for words in ("plain NumPy array", "intercept", "np.zeros_like(x)", "x.copy()",
                  "np.stack"):
        assert words in text


def test_a_write_into_a_read_only_view_is_an_error():
    def fn(x):
        b = np.broadcast_to(x, (2, 6))
        b[0, 0] = 1.0
        return b

    with pytest.raises(TraceError, match="read-only view.*x.copy()"):
        diffkit.trace(fn, X)


@pytest.mark.parametrize("fn, exc, words", [
    (lambda x: x.__setitem__(slice(0, 3), x[:2]), ShapeError, "shape (2,)"),
    (lambda x: x.__setitem__(9, 1.0), ShapeError, "shape (6,)"),
    (lambda x: x.__setitem__(x[0] > 0, 1.0), TraceError, "np.where"),
    (lambda x: x.reshape(1, 6).__iadd__(x.reshape(6, 1)), ShapeError, "x = x + y"),
    (lambda x: (x > 0).__iadd__(x), TraceError, "boolean"),
])
def test_bad_writes_are_diffkit_errors(fn, exc, words):
    def f(x):
        fn(x)
        return x

    with pytest.raises(exc) as info:
        diffkit.trace(f, X)
    assert words in str(info.value)
