"""NumPy's structure functions, products and composed reductions on traced values.

Each case is plain NumPy code: run on arrays it is the reference.  Traced, it
must give NumPy's values bit for bit (contractions whose sums NumPy associates
otherwise: to the rounding bound of their sums), and its Jacobian in every
method must match central differences of the NumPy code itself.
"""
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import DiffkitError, ShapeError, TraceError, UnsupportedError
from diffkit.errors import NonFiniteError, OptionError

RNG = np.random.default_rng(12)
M = RNG.normal(size=(3, 4))
V = RNG.normal(size=5)
T = RNG.normal(size=(2, 3, 4))
W = RNG.normal(size=(4, 3))
B = RNG.normal(size=(2, 4, 3))

#: name -> (function, input); each function traces as written.
CASES = {
    # structure
    "repeat axis": (lambda x: np.repeat(x, 2, axis=1), M),
    "repeat counts method": (lambda x: x.repeat([1, 0, 2], axis=0), M),
    "repeat flat": (lambda x: np.repeat(x, 3), V),
    "tile": (lambda x: np.tile(x, (2, 1, 2)), M),
    "tile identity": (lambda x: np.tile(x, 1) * 2.0, V),
    "flip all": (lambda x: np.flip(x), T),
    "flip axes": (lambda x: np.flip(x, (0, 2)), T),
    "fliplr": (np.fliplr, M),
    "flipud": (np.flipud, V),
    "rot90": (lambda x: np.rot90(x), M),
    "rot90 k=3 axes": (lambda x: np.rot90(x, 3, (1, 2)), T),
    "rot90 k=-2": (lambda x: np.rot90(x, -2), M),
    "pad constants per side": (
        lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=((1.0, 2.0), (3.0, -0.0))), M),
    "pad zeros": (lambda x: np.pad(x, 2), V),
    "pad edge": (lambda x: np.pad(x, 2, mode="edge"), M),
    "pad reflect": (lambda x: np.pad(x, (3, 1), mode="reflect"), M),
    "pad symmetric": (lambda x: np.pad(x, 2, mode="symmetric"), V),
    "pad wrap": (lambda x: np.pad(x, 7, mode="wrap"), V),
    "diag of vector": (lambda x: np.diag(x, 1), V),
    "diag of matrix": (lambda x: np.diag(x, -1), M),
    "diagonal method": (lambda x: x.diagonal(1, 2, 0), T),
    "trace": (np.trace, M),
    "trace method axes": (lambda x: x.trace(-1, 1, 2), T),
    "tril": (lambda x: np.tril(x, -1), T),
    "triu": (lambda x: np.triu(x, 1), M),
    "split sections": (lambda x: np.split(x, 2, axis=1), M),
    "split indices": (lambda x: np.split(x, [1, 3, 10]), V),
    "array_split": (lambda x: np.array_split(x, 3), V),
    "hsplit": (lambda x: np.hsplit(x, 2), M),
    "vsplit": (lambda x: np.vsplit(x, [1]), M),
    "dsplit": (lambda x: np.dsplit(x, [3]), T),
    "take axis": (lambda x: np.take(x, [0, 2, 2], axis=1), M),
    "take flat method": (lambda x: x.take([[1, 7], [0, 0]]), M),
    "take wrap": (lambda x: np.take(x, [-7, 9], mode="wrap"), V),
    "take clip": (lambda x: np.take(x, [-7, 9], axis=0, mode="clip"), M),
    "take_along_axis": (lambda x: np.take_along_axis(
        x, np.array([[0, 2], [1, 1], [3, 0]]), axis=1), M),
    "take_along_axis argsort of a constant": (
        lambda x: np.take_along_axis(x, np.argsort(M, axis=0), axis=0), M),
    "moveaxis": (lambda x: np.moveaxis(x, [0, 1], [-1, 0]), T),
    "swapaxes": (lambda x: np.swapaxes(x, 0, -1), T),
    "rollaxis": (lambda x: np.rollaxis(x, 2), T),
    "rollaxis start": (lambda x: np.rollaxis(x, 0, -1), T),
    "kron": (lambda x: np.kron(x, x[:2, :3]), M),
    "kron vector matrix": (lambda x: np.kron(x[:2], M), V),
    "kron 0-d": (lambda x: np.kron(x[0], M), V),
    "cross 3": (lambda x: np.cross(x[:, :3], x[:, 1:]), M),
    "cross axes": (lambda x: np.cross(x[:3], x[1:4], axisa=0, axisb=0, axisc=0), M),
    "cross 2 and 3": (lambda x: np.cross(x[:, :2], x[:, 1:]), M),
    "cross 3 and 2": (lambda x: np.cross(x[:, 1:], x[:, :2]), M),
    "cross 2": (lambda x: np.cross(x[:, :2], x[:, 2:]), M),
    "delete": (lambda x: np.delete(x, [0, 2], axis=1), M),
    "delete slice flat": (lambda x: np.delete(x, slice(1, 5)), M),
    "insert traced row": (lambda x: np.insert(x, 1, x[0] * 3.0, axis=0), M),
    "insert numbers": (lambda x: np.insert(x, [1, 3], 5.0), V),
    "insert columns": (lambda x: np.insert(x, [1, 2], x[:, :1] ** 2, axis=1), M),
    "insert into a constant": (lambda x: np.insert(M, 2, x[:4], axis=0), V),
    "select": (lambda x: np.select([x < -0.5, x > 0.5], [x ** 2, -x], 7.0), M),
    "meshgrid": (lambda x: np.meshgrid(x, x[:3]), V),
    "meshgrid ij": (lambda x: np.meshgrid(x, x[:3], x[:2], indexing="ij"), V),
    "meshgrid sparse": (lambda x: np.meshgrid(x, x[:3] * 2.0, sparse=True), V),
    # products
    "dot 0-d": (lambda x: np.dot(x, 2.0), M),
    "dot 2-d": (lambda x: x.dot(W), M),
    "tensordot int": (lambda x: np.tensordot(x, B.transpose(2, 1, 0), 2), T),
    "tensordot pair": (lambda x: np.tensordot(x, M, axes=([1], [0])), T),
    "tensordot pairs": (lambda x: np.tensordot(x, W, axes=([2, 1], [0, 1])), T),
    "tensordot 0": (lambda x: np.tensordot(x, V, 0), M),
    "tensordot of itself": (lambda x: np.tensordot(x, x, axes=([0], [0])), M),
    "inner 0-d": (lambda x: np.inner(3.0, x), M),
    "inner 2-d": (lambda x: np.inner(x, M[:2]), M),
    # reductions
    "average": (lambda x: np.average(x, axis=1), M),
    "average weights along axis": (lambda x: np.average(x, 1, [1.0, 2.0, 3.0, 4.0]), M),
    "average traced weights returned": (
        lambda x: np.average(x, axis=(1, 0), weights=x.T ** 2 + 1.0, returned=True), M),
    "average weights keepdims": (lambda x: np.average(T, (2, 1), x.T ** 2, keepdims=True), M),
    "average returned": (lambda x: np.average(x, returned=True), M),
    "ptp": (lambda x: np.ptp(x, axis=0), M),
    "ptp keepdims": (lambda x: np.ptp(x, 1, keepdims=True), T),
    "diff": (lambda x: np.diff(x), M),
    "diff n axis prepend append": (lambda x: np.diff(x, 2, axis=0, prepend=1.0, append=x[:1]),
                                   M),
    "diff n=0": (lambda x: np.diff(x, 0) * 2.0, V),
    "var ddof": (lambda x: np.var(x, axis=0, ddof=1), M),
    "std ddof keepdims": (lambda x: np.std(x, axis=(0, 2), ddof=2, keepdims=True), T),
    "norm 2": (lambda x: np.linalg.norm(x, 2), V),
    "norm 1": (lambda x: np.linalg.norm(x, 1), V),
    "norm inf axis": (lambda x: np.linalg.norm(x, np.inf, axis=1), M),
    "norm -inf": (lambda x: np.linalg.norm(x, -np.inf), V),
    "norm 3 keepdims": (lambda x: np.linalg.norm(x, 3, axis=0, keepdims=True), M),
    "norm 0.5": (lambda x: np.linalg.norm(x, 0.5), V),
    "norm -1.5": (lambda x: np.linalg.norm(x, -1.5), V),
    "norm 0": (lambda x: np.linalg.norm(x, 0) * x, V),
    "norm 2 axis": (lambda x: np.linalg.norm(x, 2, axis=-1), T),
    "matrix norm 1": (lambda x: np.linalg.norm(x, 1), M),
    "matrix norm -1": (lambda x: np.linalg.norm(x, -1, axis=(1, 2)), T),
    "matrix norm inf": (lambda x: np.linalg.norm(x, np.inf), M),
    "matrix norm -inf keepdims": (
        lambda x: np.linalg.norm(x, -np.inf, axis=(2, 0), keepdims=True), T),
    "matrix norm fro": (lambda x: np.linalg.norm(x, "fro", axis=(0, 1)), M),
    "matrix norm fro of a stack": (lambda x: np.linalg.norm(x, axis=(0, 2)), T),
}

#: Contractions that NumPy sums in another order: name -> (function, input, terms per
#: sum).  Every operand is taken from the input, so fn(|x|) sums the absolute terms.
CONTRACTIONS = {
    "dot N-d": (lambda x: np.dot(x, np.moveaxis(x, 2, 1)), T, 4),
    "dot N-d vector": (lambda x: np.dot(x, x[0, 0]), T, 4),
    "dot vector N-d": (lambda x: np.dot(x[0, 0], np.moveaxis(x, 2, 1)), T, 4),
    "inner N-d": (lambda x: np.inner(x, x[0]), T, 4),
    "inner of itself": (lambda x: np.inner(x, x), T, 4),
}


def _flat(out):
    """A function's outputs as one vector (split and meshgrid give lists)."""
    if isinstance(out, (list, tuple)):
        return np.concatenate([np.ravel(o) for o in out])
    return np.ravel(out)


def _numpy(fn, x):
    with warnings.catch_warnings():
        # NumPy deprecates 2-vectors in np.cross; diffkit keeps NumPy's semantics
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn(x)


@pytest.mark.parametrize("name", CASES)
def test_values_are_numpys_bits(name):
    fn, x = CASES[name]
    g = diffkit.trace(fn, x)
    for point in (x, RNG.normal(size=x.shape)):
        want, got = _numpy(fn, point), g(point)
        if isinstance(want, (list, tuple)):
            assert isinstance(got, (list, tuple)) and len(got) == len(want)
        else:
            want, got = [want], [got]
        for w, v in zip(want, got):
            assert np.shape(v) == np.shape(w)
            assert_array_equal(v, w)


def _sum_bound(fn, x, terms):
    """Rounding bound of sums of ``terms`` products: 2 gamma_terms times the sums of
    absolute values (NumPy's sum and diffkit's are each within gamma_terms of the exact
    sum; Higham, Accuracy and Stability of Numerical Algorithms, eq. 3.5)."""
    eps = np.finfo(float).eps / 2
    gamma = terms * eps / (1 - terms * eps)
    return 2 * gamma * np.abs(_numpy(fn, np.abs(x)))


@pytest.mark.parametrize("name", CONTRACTIONS)
def test_contractions_equal_numpy_to_rounding(name):
    fn, x, terms = CONTRACTIONS[name]
    want, got = _numpy(fn, x), diffkit.trace(fn, x)(x)
    assert np.shape(got) == np.shape(want)
    assert np.all(np.abs(got - want) <= _sum_bound(fn, x, terms))


def central_jacobian(fn, x):
    """(outputs, inputs) central differences of the NumPy code, step eps^(1/3) max(1, |x|)."""
    h = np.finfo(float).eps ** (1 / 3) * max(1.0, np.max(np.abs(x)))
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        e = e.reshape(x.shape)
        cols.append((_flat(_numpy(fn, x + e)) - _flat(_numpy(fn, x - e))) / (2 * h))
    return np.array(cols).T


METHODS = ("fd", "symbolic", "forward", "reverse")
#: Central differences with that step: truncation h^2 |f'''| / 6 plus round-off
#: eps |f| / h, each about 1e-11 times the size of f and its derivatives here; 1e-7 of
#: max(1, |J|) leaves a margin of 1e4, and a wrong rule is off by O(1).
FD_RTOL = 1e-7


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(CASES) + list(CONTRACTIONS))
def test_jacobians_in_every_method_match_central_differences(name, method):
    fn, x = (CASES.get(name) or CONTRACTIONS[name])[:2]
    want = central_jacobian(fn, x)
    got = diffkit.jacobian(lambda v: _flat_traced(fn(v)), method=method)(x)
    got = np.reshape(got, want.shape)
    assert np.max(np.abs(got - want), initial=0.0) <= FD_RTOL * max(1.0, np.max(np.abs(want)))


def _flat_traced(out):
    if isinstance(out, (list, tuple)):
        return np.concatenate([o.reshape(-1) for o in out])
    return out


# -- derivatives against hand formulas, kinks by the documented conventions -----------

X0 = np.array([0.5, -2.0, 0.0, 2.0, 1.0])


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_vector_norm_gradients_are_the_textbook_ones(method):
    grad = diffkit.grad
    # 1-norm: sign(x), with abs'(0) = 0
    assert_array_equal(grad(lambda x: np.linalg.norm(x, 1), method=method)(X0),
                       [1.0, -1.0, 0.0, 1.0, 1.0])
    # inf-norm: |x| peaks twice (-2 and 2): the derivative splits evenly between them
    assert_array_equal(grad(lambda x: np.linalg.norm(x, np.inf), method=method)(X0),
                       [0.0, -0.5, 0.0, 0.5, 0.0])
    # -inf-norm: the smallest |x| is the 0, where abs'(0) = 0
    assert_array_equal(grad(lambda x: np.linalg.norm(x, -np.inf), method=method)(X0),
                       np.zeros(5))
    # p-norm: sign(x) |x|^(p-1) / ||x||_p^(p-1)
    p, x = 3.0, X0[X0 != 0]
    want = np.sign(x) * np.abs(x) ** (p - 1) / np.sum(np.abs(x) ** p) ** ((p - 1) / p)
    np.testing.assert_allclose(grad(lambda v: np.linalg.norm(v, p), method=method)(x), want,
                               rtol=1e-14)
    # ord=0 counts nonzeros: piecewise constant
    assert_array_equal(grad(lambda x: np.linalg.norm(x, 0), method=method)(X0), np.zeros(5))


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_matrix_norm_gradients_follow_the_winning_column_or_row(method):
    A = np.array([[1.0, -2.0], [-3.0, 0.5]])
    # 1-norm: the largest absolute column sum is column 0 (4 > 2.5): sign of that column
    assert_array_equal(diffkit.grad(lambda a: np.linalg.norm(a, 1), method=method)(A),
                       [[1.0, 0.0], [-1.0, 0.0]])
    # inf-norm: the largest absolute row sum is row 1 (3.5 > 3)
    assert_array_equal(diffkit.grad(lambda a: np.linalg.norm(a, np.inf), method=method)(A),
                       [[0.0, 0.0], [-1.0, 1.0]])


@pytest.mark.parametrize("method", ["forward", "reverse"])
def test_ptp_splits_ties_like_max_and_min(method):
    x = np.array([1.0, 3.0, -1.0, 3.0, -1.0])
    assert_array_equal(diffkit.grad(np.ptp, method=method)(x), [0.0, 0.5, -0.5, 0.5, -0.5])


def test_weighted_average_gradient_in_the_weights_is_the_textbook_one():
    a, w = RNG.normal(size=4), RNG.uniform(0.5, 2.0, size=4)
    got = diffkit.grad(lambda w: np.average(a, weights=w))(w)
    # d/dw_i sum(a w) / sum(w) = (a_i - average) / sum(w)
    np.testing.assert_allclose(got, (a - np.average(a, weights=w)) / w.sum(), rtol=1e-13)


def test_trace_and_diag_derivatives_are_the_selections():
    got = diffkit.grad(lambda x: np.trace(x, 1))(M)
    assert_array_equal(got, np.eye(3, 4, 1))
    J = diffkit.jacobian(lambda v: np.diag(v, -1), method="forward")(V[:2])
    want = np.zeros((3, 3, 2))
    want[1, 0, 0] = want[2, 1, 1] = 1.0
    assert_array_equal(J, want)


def test_repeated_entries_add_their_cotangents():
    # each entry appears 3 times in np.repeat and twice more in the np.pad edge
    got = diffkit.grad(lambda x: np.sum(np.pad(np.repeat(x, 3), 2, mode="edge")))(V)
    assert_array_equal(got, [5.0, 3.0, 3.0, 3.0, 5.0])


# -- errors that name the problem and the fix ----------------------------------------

def message(exc, fn, x, *words):
    with pytest.raises(exc) as info:
        diffkit.trace(fn, x)
    assert isinstance(info.value, DiffkitError)
    text = str(info.value)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


@pytest.mark.parametrize("fn, x, exc, words", [
    (lambda x: np.pad(x, 1, mode="linear_ramp"), V, UnsupportedError,
     ("np.pad(mode='linear_ramp')", "'edge'")),
    (lambda x: np.pad(x, 1, mode="reflect", reflect_type="odd"), V, UnsupportedError,
     ("reflect_type='odd'",)),
    (lambda x: np.take(x, [5]), V, ShapeError, ("np.take", "out of bounds")),
    (lambda x: np.repeat(x, x), V, UnsupportedError, ("np.repeat", "repeats", "known")),
    (lambda x: np.split(x, 2), V, ShapeError, ("equal", "np.array_split")),
    (lambda x: np.vsplit(x, 2), V, ShapeError, ("np.vsplit", "2 dimension")),
    (lambda x: np.fliplr(x), V, ShapeError, ("np.flip(x)",)),
    (lambda x: np.diag(x), T, ShapeError, ("np.diagonal",)),
    (lambda x: np.select([x > 0], [x, x]), V, ShapeError, ("one choice per condition",)),
    (lambda x: np.select([x], [x]), V, TraceError, ("boolean",)),
    (lambda x: np.meshgrid(x, indexing="ji"), V, OptionError, ("'xy'", "'ij'")),
    (lambda x: np.moveaxis(x, 0, 3), T, ShapeError, ("axis 3", "out of bounds")),
    (lambda x: np.swapaxes(x, 0, 5), T, ShapeError, ("axis 5",)),
    (lambda x: np.cross(x[:, :4], x[:, :4]), M, ShapeError, ("2 or 3",)),
    (lambda x: np.tensordot(x, x, axes=([0], [1])), M, ShapeError, ("np.tensordot",)),
    (lambda x: np.average(x, weights=[1.0, 2.0]), M, ShapeError, ("axis",)),
    (lambda x: np.average(x, 0, [1.0, -1.0, 0.0]), M, NonFiniteError, ("sum to zero",)),
    (lambda x: np.diff(x, -1), V, ShapeError, ("non-negative",)),
    (lambda x: np.linalg.norm(x, "nuc"), M, UnsupportedError,
     ("np.linalg.norm(x, 'nuc')", "singular values", "'fro'")),
    (lambda x: np.linalg.norm(x, 2), M, UnsupportedError, ("np.linalg.norm(x, 2)",)),
    (lambda x: np.linalg.norm(x, "fro"), V, OptionError, ("'fro'", "vector")),
    (lambda x: np.linalg.norm(x, 3), M, OptionError, ("ord=3", "matrix norm")),
    (lambda x: np.linalg.norm(x, axis=(0, 0)), M, ShapeError, ("twice",)),
    (lambda x: np.linalg.norm(x, 1), T, ShapeError, ("3 axes",)),
])
def test_bad_calls_are_diffkit_errors_naming_the_fix(fn, x, exc, words):
    message(exc, fn, x, *words)


def test_the_dot_op_names_numpys_semantics_not_matmul():
    # the op itself takes at most 2-d operands; its message points to what np.dot means
    with pytest.raises(DiffkitError) as info:
        diffkit.parse("dot(x, y)", shapes={"x": (2, 3, 4), "y": (4, 2)})
    text = str(info.value)
    assert "matmul" not in text and "np.tensordot(a, b, axes=([-1], [-2]))" in text
