"""ndarray methods and attributes on traced values: NumPy's signatures and values, right
derivatives, and a diffkit error naming the fix for every ndarray attribute that is missing."""
import copy

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import diffkit
from diffkit import DiffkitError, ShapeError, TraceError, UnsupportedError
from diffkit.graph import numpy_functions
from diffkit.graph.tracing import Tracer, UnsupportedAttributeError
from diffkit.testing import check_grads

X = np.random.default_rng(7).normal(size=(3, 4))

# Calls real code makes, each written the way NumPy accepts it.
CALLS = {
    "copy": lambda x: x.copy(),
    "copy order": lambda x: x.copy("F"),
    "np.copy": lambda x: np.copy(x),
    "astype float": lambda x: x.astype(float),
    "astype np.float64": lambda x: x.astype(np.float64),
    "astype 'float64'": lambda x: x.astype("float64"),
    "astype 'f8' copy=False": lambda x: x.astype("f8", copy=False),
    "np.astype": lambda x: np.astype(x, float),
    "bool mask astype float": lambda x: (x > 0).astype(float) * x,
    "astype bool": lambda x: x.astype(bool),
    "std": lambda x: x.std(),
    "std axis ddof keepdims": lambda x: x.std(axis=0, ddof=1, keepdims=True),
    "std positional": lambda x: x.std(1, None, None, 1, True),
    "std axis tuple": lambda x: x.std(axis=(0, 1)),
    "std with mean": lambda x: x.std(axis=-1, mean=x.mean(-1, keepdims=True)),
    "var": lambda x: x.var(),
    "var ddof": lambda x: x.var(0, ddof=2),
    "var float ddof": lambda x: x.var(ddof=0.5),
    "np.std correction": lambda x: np.std(x, axis=1, correction=1),
    "np.var positional": lambda x: np.var(x, 1, None, None, 1, True),
    "np.std dtype float": lambda x: np.std(x, dtype=float),
    "sum positional keepdims": lambda x: x.sum(1, None, None, True),
    "sum dtype where": lambda x: x.sum(axis=(0, 1), dtype=np.float64, where=True),
    "mean positional keepdims": lambda x: x.mean(0, float, None, True),
    "prod positional keepdims": lambda x: x.prod(0, None, None, True),
    "max positional keepdims": lambda x: x.max(0, None, True),
    "min out=None": lambda x: x.min(axis=(0, 1), out=None, keepdims=True),
    "np.max positional keepdims": lambda x: np.max(x, 1, None, True),
    "dot out=None": lambda x: x.T.dot(x, None),
    "reshape order": lambda x: x.reshape(-1, 2, order="C"),
    "reshape copy": lambda x: x.reshape((2, 6), copy=None),
    "flatten order": lambda x: x.flatten("C"),
    "ravel order": lambda x: x.ravel(order="C"),
    "np.reshape order": lambda x: np.reshape(x, (4, 3), "C"),
    "clip min": lambda x: x.clip(min=-0.3),
    "clip max": lambda x: x.clip(max=0.4),
    "clip min max": lambda x: x.clip(min=-0.3, max=0.4),
    "np.clip a_min a_max": lambda x: np.clip(x, a_min=-0.3, a_max=0.4),
    "np.clip min": lambda x: np.clip(x, min=-0.3),
    "np.clip no bounds": lambda x: np.clip(x, None, None),
    "swapaxes": lambda x: x.swapaxes(0, 1),
    "mT": lambda x: x.mT,
    "real": lambda x: x.real,
    "conj": lambda x: x.conj() + x.conjugate(),
    "copy.copy": lambda x: copy.copy(x) * 2.0,
    "copy.deepcopy": lambda x: copy.deepcopy(x) * 2.0,
}


@pytest.mark.parametrize("fn", CALLS.values(), ids=CALLS.keys())
def test_methods_give_numpys_values_bit_for_bit(fn):
    want = fn(X)
    got = diffkit.trace(fn, X)(X)
    assert np.shape(got) == np.shape(want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert_array_equal(got, want)


def test_std_and_var_follow_numpy_where_the_degrees_of_freedom_run_out():
    for fn in (lambda x: x.var(ddof=12), lambda x: x.std(axis=0, ddof=5)):
        with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="Degrees"):
            want = fn(X)
        with np.errstate(all="ignore"):
            assert_array_equal(diffkit.trace(fn, X)(X), want)


SMOOTH = {
    "std": lambda x: x.std(),
    "std axis ddof keepdims": lambda x: x.std(0, ddof=1, keepdims=True),
    "var axis": lambda x: x.var(axis=-1),
    "var with mean": lambda x: x.var(axis=1, mean=x.mean(1, keepdims=True)),
    "np.std correction": lambda x: np.std(x, correction=1),
    "clip keywords": lambda x: x.clip(min=-0.3, max=0.4) * x,
    "astype": lambda x: x.astype(float) ** 3,
    "reshape swapaxes mT": lambda x: x.reshape(4, 3).swapaxes(0, 1) @ x.mT,
    "sum keepdims positional": lambda x: x.sum(1, None, None, True) ** 2,
    "copy flatten": lambda x: np.sin(x.copy().flatten()),
}


@pytest.mark.parametrize("fn", SMOOTH.values(), ids=SMOOTH.keys())
def test_method_derivatives_match_finite_differences_of_numpy(fn):
    # forward and reverse mode against NumPy's own function, along a random direction
    check_grads(fn, X, modes=("forward", "reverse"))
    # and the whole Jacobian against Richardson-extrapolated differences of the graph
    rev = np.asarray(diffkit.jacobian(fn, method="reverse")(X))
    fd = np.asarray(diffkit.jacobian(fn, method="fd", scheme="richardson")(X))
    assert np.max(np.abs(rev - fd)) <= 1e-9 * max(1.0, np.max(np.abs(rev)))


def test_std_has_the_textbook_gradient():
    # d std / dx_i = (x_i - mean) / (n * std), computed here from the formula
    x = X.ravel()
    want = (x - x.mean()) / (x.size * x.std())
    got = diffkit.grad(lambda v: v.std(), method="reverse")(x)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-16)


def test_std_second_derivatives_agree():
    check_grads(lambda x: x.std(ddof=1), X[0], modes=("forward", "reverse"), order=2)


# -- errors that name the fix -----------------------------------------------------------

def message(exc, fn, *words):
    with pytest.raises(exc) as info:
        diffkit.trace(fn, X)
    assert isinstance(info.value, DiffkitError)
    text = str(info.value)
    assert "\n" not in text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return text


@pytest.mark.parametrize("dtype", [int, np.int32, np.float32, complex, "f4"])
def test_astype_to_other_dtypes_names_the_fix(dtype):
    message(UnsupportedError, lambda x: x.astype(dtype), "astype(", "astype(float)")


def test_astype_respects_the_casting_rule():
    message(TraceError, lambda x: x.astype(bool, casting="safe"), "casting='safe'",
            "casting='unsafe'")


@pytest.mark.parametrize("fn, words", [
    (lambda x: x.std(dtype=np.float32), ("np.std", "dtype=float32", "dtype=float")),
    (lambda x: x.var(where=x > 0), ("np.var", "where")),
    (lambda x: x.sum(initial=1.0), ("np.sum", "initial")),
    (lambda x: x.max(initial=0.0), ("np.max", "initial")),
])
def test_unsupported_arguments_of_methods_are_named(fn, words):
    message(UnsupportedError, fn, *words)


def test_ddof_and_correction_together_are_an_error():
    message(TraceError, lambda x: np.std(x, ddof=1, correction=1), "ddof", "correction")


def test_a_clip_bound_given_twice_is_an_error():
    message(TraceError, lambda x: np.clip(x, a_min=0.0, min=0.1), "a_min", "min", "once")


@pytest.mark.parametrize("fn, words", [
    (lambda x: x.reshape(4, 3, order="F"), ("order='F'", "x.T.reshape(s[::-1]).T")),
    (lambda x: x.ravel("F"), ("order='F'", "x.T.ravel()")),
    (lambda x: x.flatten(order="A"), ("order='A'",)),
    (lambda x: np.reshape(x, -1, order="F"), ("order='F'",)),
])
def test_reshape_orders_other_than_c_name_the_transposes(fn, words):
    message(UnsupportedError, fn, *words)


def test_mT_of_a_vector_is_a_shape_error():
    with pytest.raises(ShapeError, match="at least 2 dimensions"):
        diffkit.trace(lambda x: x.mT, np.ones(3))


# -- every ndarray attribute: supported or a diffkit error naming the fix -----------------

PUBLIC = sorted(n for n in dir(np.ndarray) if not n.startswith("_"))


def _probe(name):
    seen = {}

    def f(x):
        try:
            seen["value"] = getattr(x, name)
        except AttributeError as exc:
            seen["error"] = exc
            seen["hasattr"] = hasattr(x, name)
            seen["default"] = getattr(x, name, "default")
        return x
    diffkit.trace(f, X)
    return seen


@pytest.mark.parametrize("name", PUBLIC)
def test_every_ndarray_attribute_works_or_says_what_to_write(name):
    seen = _probe(name)
    if "error" in seen:
        exc = seen["error"]
        assert isinstance(exc, UnsupportedAttributeError)
        assert isinstance(exc, UnsupportedError) and isinstance(exc, AttributeError)
        text = str(exc)
        assert text.startswith(f"x.{name} ") and ": " in text and "\n" not in text
        # an AttributeError, so probing keeps working
        assert seen["hasattr"] is False and seen["default"] == "default"


@pytest.mark.parametrize("name, words", [
    ("item", ("needs the values", "x[()]")),
    ("tolist", ("needs the values", "np.stack")),
    ("nonzero", ("needs the values", "np.where")),
    ("any", ("needs the values", "np.where")),
    ("fill", ("in place", "np.full(x.shape, value)")),
    ("partition", ("in place", "np.partition is not a diffkit operation")),
    ("put", ("in place", "np.where")),
    ("strides", ("memory",)),
    ("compress", ("not supported", "np.compress is not a diffkit operation")),
])
def test_missing_attributes_name_the_fix(name, words):
    text = str(_probe(name)["error"])
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


def test_a_missing_method_whose_numpy_function_works_points_to_it(monkeypatch):
    # once np.compress traces, x.compress names np.compress(x)
    monkeypatch.setitem(numpy_functions.FUNCTIONS, np.compress, lambda a: a)
    text = str(_probe("compress")["error"])
    assert "use np.compress(x) instead" in text


@pytest.mark.parametrize("name", ["foo", "__array_interface__", "__array_struct__",
                                  "__array_namespace__", "_repr_html_", "__dlpack__"])
def test_other_names_raise_a_plain_attribute_error(name):
    seen = _probe(name)
    exc = seen["error"]
    assert type(exc) is AttributeError and not isinstance(exc, DiffkitError)
    assert repr(name) in str(exc) and "Tracer" in str(exc)
    assert seen["hasattr"] is False


def test_copies_are_new_traced_arrays_of_the_same_value():
    def f(x):
        for c in (copy.copy(x), copy.deepcopy([x])[0], x.copy()):
            assert isinstance(c, Tracer) and c is not x and c.node == x.node
        return x
    diffkit.trace(f, X)
