"""Sorting, positions and gathers by them, against NumPy and hand-derived derivatives.

The op table (tests/ops/test_table.py) checks values and first derivatives on
every backend at random points (no ties); here: ties and NaN in the compiled
loops, positions that are not positions, broadcasting in take_along_axis,
``x[i]`` with traced i, and median / quantile / percentile: NumPy's bits
where NumPy's operations are the same, and their interpolation weights.
"""
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import ops
from diffkit.graph import numpy_sorting
from diffkit.kernels.run import values
from diffkit.program.lower import lower

EXACT = ("symbolic", "forward", "reverse")


def kernel_values(fn, x):
    """fn's value at x run by the compiled kernels."""
    g = diffkit.trace(fn, x)
    return values(lower(g), np.ravel(x)).reshape(g.output_shapes[0])


def central_differences(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# -- the compiled loops: stable order, NaN, first occurrences --------------------------

def test_kernels_sort_stably_with_nan_last_and_take_the_first_extreme():
    x = np.array([[2.0, np.nan, 1.0, 2.0, -0.5, 1.0, np.nan],
                  [0.0, 3.0, 3.0, -1.0, -1.0, 0.0, 3.0]])
    assert_array_equal(kernel_values(lambda x: np.argsort(x, axis=1), x),
                       np.argsort(x, axis=1, kind="stable"))
    assert_array_equal(kernel_values(lambda x: np.sort(x, axis=1), x), np.sort(x, axis=1))
    assert_array_equal(kernel_values(lambda x: np.argsort(x, axis=0), x),
                       np.argsort(x, axis=0, kind="stable"))
    for fn in (np.argmax, np.argmin):
        for axis in (None, 0, 1):
            assert_array_equal(kernel_values(lambda x: fn(x, axis=axis), x), fn(x, axis=axis))
            assert_array_equal(kernel_values(lambda x: fn(x, axis=axis), x[:, 2:6]),
                               fn(x[:, 2:6], axis=axis))


@pytest.mark.parametrize("method", EXACT)
def test_sort_routes_derivatives_through_the_stable_permutation_at_ties(method):
    x = np.array([3.0, 1.0, 2.0, 1.0])
    w = np.array([10.0, 20.0, 30.0, 40.0])
    # sorted: [x1, x3, x2, x0] (the tie in the order of the entries)
    got = diffkit.grad(lambda x: np.sort(x) @ w, method=method)(x)
    assert_array_equal(got, [40.0, 10.0, 30.0, 20.0])


@pytest.mark.parametrize("method", EXACT)
def test_the_gradient_of_a_picked_extreme_is_one_hot_at_its_first_occurrence(method):
    x = np.array([[0.5, 2.0, -1.0, 2.0], [1.0, -3.0, 0.0, -3.0]])

    def f(x):
        i = np.argmax(x, axis=1, keepdims=True)
        j = np.argmin(x, axis=1, keepdims=True)
        top = np.take_along_axis(x, i, axis=1)
        return np.sum(top ** 2) + 3 * np.sum(np.take_along_axis(x, j, axis=1))

    want = np.zeros_like(x)
    want[0, 1], want[1, 0] = 2 * 2.0, 2 * 1.0  # first maxima
    want[0, 2] += 3.0
    want[1, 1] += 3.0  # first minimum
    assert_array_equal(diffkit.grad(f, method=method)(x), want)


def test_positions_that_are_not_positions_give_nan_and_no_cotangent():
    x = np.array([1.0, 2.0, 4.0])
    at = np.array([0.0, 2.5, -1.0, 3.0, -4.0, 2.0])  # valid: 0, -1 (the last), 2
    want = np.array([1.0, np.nan, 4.0, np.nan, np.nan, 4.0])
    g = diffkit.trace(lambda x, at: ops.call("take_along", x, at, axis=0), x, at)
    assert_array_equal(g(x, at), want)
    program = lower(g)
    assert_array_equal(values(program, np.concatenate([x, at])), want)
    # the adjoint scatter drops what was not gathered, in NumPy and in the kernels
    g_t = diffkit.trace(lambda c, at: ops.call("take_along_t", c, at, axis=0, length=3),
                        np.ones(6), at)
    assert_array_equal(g_t(np.ones(6), at), [1.0, 0.0, 2.0])
    assert_array_equal(values(lower(g_t), np.concatenate([np.ones(6), at])), [1.0, 0.0, 2.0])
    # Jacobians: one-hot rows where a position was valid; where the value is NaN, the
    # backends report no derivative (NaN), as for every non-finite output
    for method in ("forward", "reverse"):
        J = diffkit.jacobian(g, method=method)(x, at)
        assert_array_equal(J[[0, 2, 5]], [[1, 0, 0], [0, 0, 1], [0, 0, 1]])
        assert np.isnan(J[[1, 3, 4]]).all()


# -- the NumPy front ---------------------------------------------------------------------

@pytest.mark.parametrize("method", EXACT + ("fd",))
def test_take_along_axis_broadcasts_traced_positions_like_numpy(rng, method):
    x = rng.normal(size=(3, 4))
    w = rng.normal(size=(3, 4))

    def f(x):
        order = np.argsort(x[:, :1], axis=0)  # (3, 1): one order for every column
        return np.sum(np.take_along_axis(x, order, axis=0) * w)

    assert diffkit.trace(f, x)(x) == f(x)
    order = np.argsort(x[:, 0])
    want = np.zeros_like(x)
    want[order] = w  # the entry at row order[k] meets weight row k
    tol = 1e-8 if method == "fd" else 0.0
    np.testing.assert_allclose(diffkit.grad(f, method=method)(x), want, rtol=0, atol=tol)


def test_indexing_with_a_traced_position_gathers_along_the_first_axis(rng):
    x = rng.normal(size=(4, 3))

    def f(x):
        return numpy_sorting.getitem_traced(x, np.argmax(x[:, 0]))

    g = diffkit.trace(f, x)
    assert_array_equal(g(x), x[np.argmax(x[:, 0])])
    J = diffkit.jacobian(f, method="reverse")(x)
    want = np.zeros((3, 4, 3))
    for j in range(3):
        want[j, np.argmax(x[:, 0]), j] = 1.0
    assert_array_equal(J, want)
    rows = diffkit.trace(lambda x: numpy_sorting.getitem_traced(x, np.argsort(x[:, 1])), x)
    assert_array_equal(rows(x), x[np.argsort(x[:, 1])])


QUANTILES = [
    lambda x: np.median(x),
    lambda x: np.median(x, axis=1),
    lambda x: np.median(x[:, :3], axis=0, keepdims=True),
    lambda x: np.quantile(x, 0.3),
    lambda x: np.quantile(x, [0.0, 0.25, 0.5, 0.9, 1.0], axis=1),
    lambda x: np.quantile(x, 1, axis=0),
    lambda x: np.quantile(x, np.array([0, 1]), axis=1),
    lambda x: np.percentile(x, [10, 50.5], axis=(0, 1), keepdims=True),
    lambda x: np.percentile(x, [[10, 50.5], [3, 99]], axis=1, keepdims=True),
]


@pytest.mark.parametrize("k", range(len(QUANTILES)))
def test_median_and_quantiles_are_numpys_bits_with_nan_lines_too(rng, k):
    fn = QUANTILES[k]
    x = rng.normal(size=(3, 5))
    g = diffkit.trace(fn, x)
    with_nan = x.copy()
    with_nan[1, 2] = np.nan
    for point in (x, with_nan):
        got, want = g(point), fn(point)
        assert np.shape(got) == np.shape(want)
        assert_array_equal(got, want)
        kernel = values(lower(g), point.ravel()).reshape(np.shape(want))
        assert_array_equal(kernel, want)


@pytest.mark.parametrize("method", EXACT + ("fd",))
def test_quantile_derivative_is_the_interpolation_weights(method):
    x = np.array([0.4, -1.2, 2.5, 0.1, 1.7])  # sorted: -1.2, 0.1, 0.4, 1.7, 2.5
    # q = 0.3 of 5 entries: virtual index 1.2, so 0.8 of sorted[1] and 0.2 of sorted[2];
    # the median is sorted[2]
    got = diffkit.grad(lambda x: np.quantile(x, 0.3) + 10 * np.median(x), method=method)(x)
    want = np.array([0.2 + 10, 0.0, 0.0, 0.8, 0.0])
    tol = 1e-8 if method == "fd" else 1e-15
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)


@pytest.mark.parametrize("method", ("symbolic", "forward", "reverse"))
def test_percentiles_along_axes_agree_with_central_differences(rng, method):
    x = rng.normal(size=(2, 3, 2))  # lines of 4: the symbolic sort is O(n^3) comparisons

    def f(x):
        return np.sum(np.percentile(x, [20.0, 75.0], axis=(0, 2)) ** 2)

    want = central_differences(f, x)
    np.testing.assert_allclose(diffkit.grad(f, method=method)(x), want, rtol=0, atol=1e-8)


def test_methods_of_traced_arrays(rng):
    x = rng.normal(size=(3, 4))
    g = diffkit.trace(lambda x: (x.argmax(), x.argmin(axis=0), x.argsort(axis=0)), x)
    for got, want in zip(g(x), (x.argmax(), x.argmin(axis=0), x.argsort(axis=0))):
        assert_array_equal(got, want)
        assert got.dtype == want.dtype


@pytest.mark.parametrize("fn, error, match", [
    (lambda x: np.quantile(x, 0.5, method="nearest"), diffkit.UnsupportedError,
     "method='nearest'"),
    (lambda x: np.quantile(x, x[0]), diffkit.UnsupportedError, "q must be known"),
    (lambda x: np.percentile(x, 120), diffkit.ArgumentError, r"\[0, 100\]"),
    (lambda x: np.sort(x, kind="bogus"), diffkit.OptionError, "stably"),
    (lambda x: np.argsort(x, order="f"), diffkit.UnsupportedError, "order"),
    (lambda x: np.argmax(x, out=np.empty(())), diffkit.UnsupportedError, "out"),
    (lambda x: np.take_along_axis(x, x > 0, axis=0), diffkit.TraceError, "np.where"),
    (lambda x: numpy_sorting.getitem_traced(x, (np.argmax(x), 0)), diffkit.TraceError,
     "np.take_along_axis"),
    (lambda x: np.argmax(x[:0]), diffkit.ShapeError, "empty"),
])
def test_errors_name_the_function_and_the_fix(fn, error, match):
    with pytest.raises(error, match=match):
        diffkit.trace(fn, np.arange(4.0))


def test_validation_rejects_a_gather_whose_geometry_leaves_its_operands(rng):
    from diffkit import GraphError
    from diffkit.kernels import validate
    from diffkit.program.format import ARRAY_CODES, K_CALL, WIDTH
    x = rng.normal(size=(3, 4))
    program = lower(diffkit.trace(lambda x: np.sort(x, axis=1), x))
    validate(program.ints, program.consts)
    n_rows, row_off = int(program.ints[6]), int(program.ints[7])
    rows = program.ints[row_off:row_off + n_rows * WIDTH].reshape(n_rows, WIDTH)
    (take,) = [r for r in rows if r[0] == K_CALL and r[1] == ARRAY_CODES["take_along"]]
    for position in range(4):  # outer, length, inner, positions per line
        ints = program.ints.copy()
        ints[take[10] + position] += 1
        with pytest.raises(GraphError, match="call geometry"):
            validate(ints, program.consts)


@pytest.mark.parametrize("method", ["fd", "symbolic", "forward", "reverse"])
def test_indexing_with_traced_positions_routes_the_derivative(method):
    # x[argmax x] is the max: its gradient is one-hot; x[argsort x] @ w sends w_k to the
    # entry of rank k
    x = np.array([0.3, 2.0, -1.0, 0.7])
    w = np.arange(4.0)
    f = lambda x: 2.0 * x[np.argmax(x)] + x[np.argsort(x)] @ w  # noqa: E731
    got = diffkit.grad(f, method=method)(x)
    want = 2.0 * (np.arange(4) == 1) + w[np.argsort(np.argsort(x))]
    np.testing.assert_allclose(got, want, rtol=1e-9 if method == "fd" else 1e-15)


def test_positions_keep_their_dtype_through_structural_ops():
    g = diffkit.trace(lambda x: (np.argsort(x).reshape(2, 2)[0], (x > 0).T), np.ones(4))
    assert [g.node(n)["dtype"] for n in g.outputs] == ["int64", "bool"]
    g.validate()
