"""Hypothesis-generated random expressions: forward, reverse and the reference agree.

A random program is a list of steps over a growing pool of values (a vector
input x, a scalar input s, and every result so far): each step applies a
smooth op to operands picked from the pool.  Ops are chosen so that every
value stays in a safe domain whatever it is applied to (log and sqrt of
1 + z^2, division by 1 + z^2, exp of a bounded value), so derivatives are
finite and the three computations must agree.

Tolerance: AD_RTOL (1e-12, see ad_cases.py) relative to the largest partial
product |g| * |p| met along the way would be the exact error model; we use
the largest value of any intermediate node, squared, as that scale (every
derivative here is a sum of products of at most two such factors per step),
which is the absolute floor for gradient entries that cancel to ~0.
"""
import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import diffkit
from diffkit.graph.evaluate import evaluate_all
from diffkit.program import reference

from ad_cases import AD_RTOL, FD_RTOL, central_difference, max_norm

UNARY = {
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "arctan": np.arctan,
    "square_tanh": lambda z: np.tanh(z) ** 2,
    "log1p_sq": lambda z: np.log(1.0 + z * z),
    "sqrt_1p_sq": lambda z: np.sqrt(1.0 + z * z),
    "exp_sin": lambda z: np.exp(np.sin(z)),
    "neg": lambda z: -z,
    "logaddexp0": lambda z: np.logaddexp(z, 0.0),
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b,
    "mul_bounded": lambda a, b: np.tanh(a) * b,
    "div_1p_sq": lambda a, b: a / (1.0 + b * b),
    "arctan2_pos": lambda a, b: np.arctan2(a, 1.5 + np.cos(b)),
    "pow_pos": lambda a, b: (1.5 + np.sin(a)) ** np.cos(b),
}
REDUCE = {
    "sum": lambda z: np.sum(z), "mean": lambda z: np.mean(z),
    "norm_1p": lambda z: np.sqrt(1.0 + np.sum(z * z)),
    "dot_self": lambda z: np.sum(np.sin(z) * z),
}

steps = st.lists(
    st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
        st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 99),
                  st.integers(0, 99)),
        st.tuples(st.just("reduce"), st.sampled_from(sorted(REDUCE)), st.integers(0, 99))),
    min_size=1, max_size=10)
values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


def build(program):
    """The plain NumPy function of (x, s) that the random program describes."""
    def f(x, s):
        pool = [x, s]
        for step in program:
            kind, name, *picks = step
            args = [pool[p % len(pool)] for p in picks]
            table = {"unary": UNARY, "binary": BINARY, "reduce": REDUCE}[kind]
            pool.append(table[name](*args))
        return np.sum(pool[-1]) + np.sum(pool[len(pool) // 2])
    return f


def _check(fn, x, s):
    g = diffkit.trace(fn, x, s)
    fwd = diffkit.grad(fn, method="forward", argnums=(0, 1))(x, s)
    rev = diffkit.grad(fn, method="reverse", argnums=(0, 1))(x, s)
    ref = reference.grad(g, x, s)
    scale = max(max_norm(v) for v in evaluate_all(g, [x, s]).values()) ** 2
    for name, got in (("forward", fwd), ("reverse", rev)):
        for a, b, shape in zip(got, ref, (np.shape(x), ())):
            assert np.shape(a) == shape
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            assert np.all(np.isfinite(a)), (name, a)
            err = np.abs(a - b)
            tol = AD_RTOL * (np.abs(b) + max(1.0, scale))
            assert np.all(err <= tol), (name, a, b, err.max(), g.listing())
    return g, ref


SETTINGS = settings(max_examples=50, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(program=steps, x=st.lists(values, min_size=1, max_size=4), s=values)
def test_random_vector_graphs_agree_on_all_methods(program, x, s):
    _check(build(program), np.array(x), s)


@SETTINGS
@given(program=steps, x=values, s=values)
def test_random_scalar_graphs_agree_on_all_methods(program, x, s):
    _check(build(program), np.float64(x), s)


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(program=steps, x=st.lists(values, min_size=2, max_size=3), s=values,
       seed=st.integers(0, 2 ** 16))
def test_random_graphs_match_central_differences(program, x, s, seed):
    """The reference itself is right: its gradient along a random direction vs FD."""
    fn = build(program)
    x = np.array(x)
    g, (gx, gs) = _check(fn, x, s)
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(x.size + 1)
    u /= np.linalg.norm(u)
    fd = central_difference(fn, [x, np.float64(s)], [u[:-1], u[-1]])
    ad = gx @ u[:-1] + gs * u[-1]
    # FD error model (ad_cases.H): ~1e-10 for values and derivatives of moderate size
    assert abs(ad - fd) <= FD_RTOL * max(abs(ad), abs(fd), 1.0), (ad, fd, g.listing())
