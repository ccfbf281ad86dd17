"""Every backend follows the same conventions at kinks, ties, zeros and empty shapes.

The cases of the issue come first, each with the number NumPy and the
documented convention give (README "Conventions at kinks, non-finite values
and empty arrays"); then a property-based test generates random programs
whose inputs sit on those points and requires reverse, forward and symbolic
mode to agree, and central differences where the function is smooth there.
"""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import diffkit
from diffkit.comparison import active_kinks

from ad_cases import AD_RTOL, FD_RTOL

EXACT = ("reverse", "forward", "symbolic")
METHODS = EXACT + ("fd",)


def _options(method):
    return {"compiler": "numpy"} if method == "symbolic" else {}


def numpy_value(f, *args):
    """What NumPy computes, without its warnings (mean of an empty slice, 1/0)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args)


def value_and_grad(f, method, *args, argnums=0):
    return diffkit.value_and_grad(f, method=method, argnums=argnums, **_options(method))(*args)


# --- the cases -------------------------------------------------------------------

def test_symbolic_max_of_a_scaled_vector_keeps_its_gradient():
    """SymPy turned the tie test a/3 == max(a/3) into a == 3*max(a/3), false in
    floating point: the gradient was all zeros."""
    a = np.array([-1.35, 1.17, 1.45, 0.47])
    for method in EXACT:
        g = value_and_grad(lambda a: np.max(a / 3), method, a)[1]
        assert g.tolist() == [0.0, 0.0, 1 / 3, 0.0], method


@pytest.mark.parametrize("method", METHODS)
def test_clip_with_lo_above_hi_is_hi(method):
    """NumPy's clip is minimum(maximum(x, lo), hi): with lo > hi the value is hi
    whatever x is, so d/dhi = 1 and d/dx = d/dlo = 0."""
    f = lambda x, lo, hi: np.sum(np.clip(x, lo, hi))  # noqa: E731
    x = np.array([-2.0, 0.3, 2.0])
    v, (gx, glo, ghi) = value_and_grad(f, method, x, 1.0, -1.0, argnums=(0, 1, 2))
    assert v == np.sum(np.clip(x, 1.0, -1.0)) == -3.0
    assert np.allclose(gx, 0, atol=1e-9) and abs(glo) < 1e-9 and abs(ghi - 3.0) < 1e-9


@pytest.mark.parametrize("method", METHODS)
def test_kinks_inside_expressions_agree(method):
    """abs'(0) = 0 through a min with a tie, and norm'(0) = 0 spelled by hand:
    symbolic gave 0/0 = nan; the chain rule's zero wins over sqrt'(0) = inf."""
    g = value_and_grad(lambda x: np.abs(np.min(x)), method, np.array([1.0, 0.0, 1.0]))[1]
    assert g.tolist() == [0.0, 0.0, 0.0]
    g = value_and_grad(lambda x, y: np.sqrt(x * x + y * y), method, 0.0, 0.0, argnums=(0, 1))[1]
    assert [float(v) for v in g] == [0.0, 0.0]


@pytest.mark.parametrize("method", EXACT)
def test_sign_is_flat_at_infinity(method):
    """sign' = 0 is a constant, not 0 * x, which is nan at x = inf."""
    assert value_and_grad(np.sign, method, np.inf) == (1.0, 0.0)
    g = value_and_grad(lambda x: np.sum(np.sign(x) * 2.0), method, np.array([-np.inf, 0.0]))[1]
    assert g.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("reduction", [np.max, np.min, np.amax])
def test_max_and_min_of_nothing_fail_at_trace(method, reduction):
    with pytest.raises(diffkit.ShapeError, match=r"(max|min) over axis 0 .* length 0"):
        value_and_grad(lambda x: reduction(x), method, np.zeros(0))
    with pytest.raises(diffkit.ShapeError, match="axis 1"):
        diffkit.trace(lambda x: np.sum(reduction(x, axis=1)), np.zeros((2, 0)))


EMPTY = [
    ("sum", lambda x: np.sum(x), (0,)),
    ("prod", lambda x: np.prod(x), (0,)),
    ("mean", lambda x: np.mean(x), (0,)),
    ("sum over an empty axis", lambda x: np.sum(np.sum(x, axis=1) ** 2), (3, 0)),
    ("prod over an empty axis", lambda x: np.sum(np.prod(x, axis=1) * 2.0), (3, 0)),
    ("mean over an empty axis", lambda x: np.sum(np.mean(x, axis=0)), (0, 3)),
    ("max over the other axis", lambda x: np.sum(np.max(x, axis=0)), (2, 0)),
    ("norm", lambda x: np.linalg.norm(x), (0,)),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name,f,shape", EMPTY, ids=[e[0] for e in EMPTY])
def test_empty_arrays_follow_numpy(method, name, f, shape):
    x = np.zeros(shape)
    expected = numpy_value(f, x)  # 0, 1 or nan
    v, g = value_and_grad(f, method, x)
    assert np.array_equal(v, expected, equal_nan=True), (v, expected)
    assert g.shape == shape


def test_empty_reductions_feed_the_rest_of_the_program():
    f = lambda x, y: np.sum(x) * y + np.prod(x) * y ** 2  # noqa: E731
    for method in METHODS:
        v, (gx, gy) = value_and_grad(f, method, np.zeros(0), 3.0, argnums=(0, 1))
        assert (v, gx.shape) == (9.0, (0,))
        assert abs(gy - 6.0) < 1e-9, method


def _prod_hessian(x):
    """d2/dxi dxj of prod(x): the product of the entries other than i and j (0 on the diagonal)."""
    n = x.size
    return np.array([[0.0 if i == j else np.prod(np.delete(x, [i, j])) for j in range(n)]
                     for i in range(n)])


@pytest.mark.parametrize("method", ("reverse", "forward", "symbolic"))
@pytest.mark.parametrize("x", [[-1.0, 0.0], [3.0, 0.0, 2.0], [0.0, 0.0, 2.0, 5.0],
                               [0.0, 0.0, 0.0], [1.5, 2.0, -3.0]])
def test_prod_hessian_is_exact_at_zeros(method, x):
    """prod's partials at a zero were the constant 0 for the other entries, so
    their derivative for the zero entry (the Hessian's row) was lost."""
    x = np.array(x)
    H = diffkit.hessian(lambda x: np.prod(x) * 2.0, method=method, **_options(method))(x)
    assert np.array_equal(H, 2.0 * _prod_hessian(x)), H
    X = np.array([[0.0, 3.0, 2.0], [0.0, 0.0, 4.0]])
    H = diffkit.hessian(lambda X: np.sum(np.prod(X, axis=1) * np.array([1.0, 2.0])),
                        method=method, **_options(method))(X).reshape(6, 6)
    expected = np.zeros((6, 6))
    expected[:3, :3], expected[3:, 3:] = _prod_hessian(X[0]), 2.0 * _prod_hessian(X[1])
    assert np.array_equal(H, expected), H


@pytest.mark.parametrize("method", ("reverse", "forward", "symbolic"))
def test_logaddexp_is_smooth_at_a_tie(method):
    """logaddexp(a, b) has the Hessian s(1 - s) [[1, -1], [-1, 1]], s = 1/(1 + e^(b - a)):
    1/4 at a tie; a symbolic max(a, b) + log1p(exp(-|a - b|)) gave 0 there."""
    for a, b in ((0.0, 0.0), (3.0, 3.0), (2.0, 0.5), (800.0, 799.0)):
        s = 1.0 / (1.0 + np.exp(b - a))
        H = diffkit.hessian(lambda a, b: np.logaddexp(a, b), method=method, argnums=(0, 1),
                            **_options(method))(a, b)
        np.testing.assert_allclose(np.asarray(H, dtype=float),
                                   s * (1 - s) * np.array([[1.0, -1.0], [-1.0, 1.0]]),
                                   rtol=1e-13, atol=1e-15)


SYMBOLIC_CASES = [
    ("maximum of a clip", lambda x: np.sum(np.maximum(np.clip(x, 0.0, 1.0), 0.5)),
     np.array([0.5, 2.0, -1.0])),
    ("1/relu(x)", lambda x: np.sum(1.0 / diffkit.relu(x)), np.array([2.0, 1.0])),
    ("x/0", lambda x: x / 0.0 + 0.0 * x, np.float64(1.0)),
    ("max over identical entries", lambda x: np.max(np.stack([x, x, x])), np.float64(1.0)),
    ("sign of sqrt", lambda x: np.sign(np.sqrt(x)) * x, np.float64(4.0)),
    ("boolean output", lambda x: np.sum(x > 0) * x[0], np.array([1.0, -1.0])),
    # x * 0 + 1.21 is a constant only SymPy sees: its arcsin was complex and its comparison failed
    ("arcsin outside [-1, 1] in a maximum",
     lambda x: np.maximum(np.arcsin(x * 0.0 + 1.21), x), np.float64(0.5)),
    ("arcsin at 1", lambda x: np.arcsin(x), np.float64(1.0)),
    ("sqrt of a relu at 0", lambda x: np.sqrt(diffkit.relu(x)) * 3.0, np.float64(0.0)),
    # SymPy rewrote log(exp(x)) as x: 800 where exp overflows and NumPy gives inf
    ("log of an overflowing exp", lambda x: np.log(np.exp(x)), np.float64(800.0)),
    # SymPy cancelled inverses: sqrt(x)**2 and sin(arcsin(x)) were x where NumPy's are nan
    ("square of sqrt below 0", lambda x: np.sqrt(x) ** 2, np.float64(-1.0)),
    ("sin of arcsin outside [-1, 1]", lambda x: np.sin(np.arcsin(x)), np.float64(2.0)),
    ("cos of arccos outside [-1, 1]", lambda x: np.cos(np.arccos(x)), np.float64(2.0)),
    # a comparison with nan is false: relu and clip of nan picked a branch and were numbers
    ("relu of nan", lambda x: diffkit.relu(np.sqrt(x)), np.float64(-1.0)),
    ("clip with a nan bound", lambda x: np.clip(x, np.sqrt(x), 1.0), np.float64(-1.0)),
    # the graph negates the comparison itself (x * 1 is x): an empty one is folded as numbers
    ("negated comparison of nothing", lambda x: np.sum(-((x > 1.0) * 1.0)) + np.sum(x),
     np.zeros(0)),
    ("logaddexp where exp overflows", lambda x: np.logaddexp(x, x - 1.0), np.float64(800.0)),
    ("logaddexp at a tie", lambda x: np.logaddexp(x, 0.0), np.float64(0.0)),
]


@pytest.mark.parametrize("name,f,x", SYMBOLIC_CASES, ids=[c[0] for c in SYMBOLIC_CASES])
def test_symbolic_handles_what_the_other_backends_do(name, f, x):
    """Each raised a raw SymPy or NumPy error (KeyError: 'ComplexInfinity',
    'invalid entry 0 in condlist', _print_Derivative...) or gave another number."""
    expected = numpy_value(f, x)
    v, g = value_and_grad(f, "symbolic", x)
    assert np.array_equal(v, expected, equal_nan=True), (v, expected)
    if np.isfinite(expected):
        np.testing.assert_allclose(g, value_and_grad(f, "reverse", x)[1], rtol=AD_RTOL)


# --- random programs at kinks, ties, zeros and empty shapes -------------------------------

UNARY = {
    "abs": np.abs, "sign": np.sign, "relu": diffkit.relu,
    "sqrt_abs": lambda z: np.sqrt(np.abs(z)), "sqrt_relu": lambda z: np.sqrt(diffkit.relu(z)),
    "third": lambda z: z / 3.0, "neg": lambda z: -z, "sin": np.sin, "tanh": np.tanh,
    "exp_tanh": lambda z: np.exp(np.tanh(z)), "log1p_abs": lambda z: np.log(1.0 + np.abs(z)),
    "arcsin_half": lambda z: np.arcsin(z / 2.0), "square": np.square,
    # sorting, positions and scans: ties are kinks (argsort's, argmax's), zeros are not
    "sort": lambda z: np.sort(z) if z.ndim else z,
    "median": lambda z: np.median(z) if z.size else z,
    "at_argmax": lambda z: np.take_along_axis(z, np.argmax(z, 0, keepdims=True), 0)
    if z.ndim and z.size else z,
    "cumprod": lambda z: np.reshape(np.cumprod(z), np.shape(z)),
}
BINARY = {
    "maximum": np.maximum, "minimum": np.minimum, "add": np.add, "sub": np.subtract,
    "mul_tanh": lambda a, b: a * np.tanh(b), "mul": np.multiply, "logaddexp": np.logaddexp,
    "where": lambda a, b: np.where(a > b, a, b * 2.0),
    "where_sqrt": lambda a, b: np.where(a >= b, np.sqrt(a - b), -b),
}
TERNARY = {"clip": np.clip}
REDUCE = {
    "max": np.max, "min": np.min, "sum": np.sum, "mean": np.mean, "prod": np.prod,
    "norm": np.linalg.norm,
}
TABLES = {"unary": UNARY, "binary": BINARY, "ternary": TERNARY, "reduce": REDUCE}

pick = st.integers(0, 99)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), pick),
        st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), pick, pick),
        st.tuples(st.just("ternary"), st.sampled_from(sorted(TERNARY)), pick, pick, pick),
        st.tuples(st.just("reduce"), st.sampled_from(sorted(REDUCE)), pick)),
    min_size=1, max_size=8)
#: kinks, ties and zeros: few distinct values, repeated
points = st.sampled_from([-1.0, 0.0, 1.0, 2.0])


def build(program):
    """The NumPy function of (x, s) a random program describes (see test_random_graphs)."""
    def f(x, s):
        pool = [x, s]
        for kind, name, *picks in program:
            pool.append(TABLES[kind][name](*[pool[p % len(pool)] for p in picks]))
        return np.sum(pool[-1]) + np.sum(pool[len(pool) // 2])
    return f


def _smooth_at(fn, x, s):
    """False where a kink is active (clip's lo == hi included)."""
    return not active_kinks(diffkit.trace(fn, x, s), [x, s])


def _close(a, b, what, where=True):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, what
    a, b = np.where(where, a, 0.0), np.where(where, b, 0.0)
    scale = 1.0 + np.max(np.abs(b[np.isfinite(b)]), initial=0.0)
    np.testing.assert_allclose(a, b, rtol=AD_RTOL, atol=AD_RTOL * scale, equal_nan=True,
                               err_msg=what)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(program=steps, x=st.lists(points, min_size=0, max_size=4), s=points)
def test_random_programs_at_kinks_agree_on_every_backend(program, x, s):
    fn, x, s = build(program), np.array(x), np.float64(s)
    try:
        expected = numpy_value(fn, x, s)
    except ValueError:  # max or min of an empty array: a ShapeError in every backend
        for method in METHODS:
            with pytest.raises(diffkit.ShapeError, match="length 0"):
                value_and_grad(fn, method, x, s, argnums=(0, 1))
        return
    got = {m: value_and_grad(fn, m, x, s, argnums=(0, 1)) for m in METHODS}
    v, (gx, gs) = got["reverse"]
    _close(v, expected, "reverse value vs NumPy")
    finite = np.isfinite(expected)
    # Where a partial is infinite (sqrt'(0)), reverse mode may meet inf - inf = nan where
    # forward mode cancels first and multiplies 0 by inf (zero wins), or the other way
    # round: only entries both modes find finite are compared.
    fwd = got["forward"][1]
    same = [np.isfinite(r) & np.isfinite(f) for r, f in zip((gx, gs), fwd)]
    for m in ("forward", "symbolic"):
        # SymPy cancels exactly (x - x is 0 at inf), so symbolic values are NumPy's only
        # where NumPy's are finite; the derivatives follow the non-finite rule everywhere
        if finite or m != "symbolic":
            _close(got[m][0], v, f"{m} value")
        _close(got[m][1][0], gx, f"{m} d/dx", same[0])
        _close(got[m][1][1], gs, f"{m} d/ds", same[1])
    if not finite:
        assert np.all(np.isnan(gx)) and np.isnan(gs)  # the documented rule
    elif np.all(np.isfinite(gx)) and np.isfinite(gs) and _smooth_at(fn, x, s):
        fx, fs = got["fd"][1]
        tol = FD_RTOL * max(1.0, np.max(np.abs(gx), initial=0.0), abs(gs))
        assert np.all(np.abs(fx - gx) <= tol) and abs(fs - gs) <= tol, (fx, gx, fs, gs)
