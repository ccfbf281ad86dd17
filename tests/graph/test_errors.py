"""Clear errors: each is a DiffkitError subclass whose message names the cause and the fix."""
import math

import numpy as np
import pytest

import diffkit
from diffkit import ArgumentError, DiffkitError, ShapeError, TraceError, UnsupportedError


def raises(exc, fn, *args, match_all=()):
    """Call fn(*args), check the exception type, and return its message."""
    with pytest.raises(exc) as info:
        fn(*args)
    assert isinstance(info.value, DiffkitError)
    message = str(info.value)
    for word in match_all:
        assert word in message, f"{word!r} not in {message!r}"
    return message


# -- control flow and values of traced arrays ---------------------------------

def use_if(x):
    if x > 0:
        return x
    return -x


def use_while(x):
    while x < 10:
        x = x * 2
    return x


def use_and(x, y):
    return (x > 0) and (y > 0)


@pytest.mark.parametrize("fn", [use_if, use_while, lambda x: bool(x), lambda x: not x])
def test_python_branching_on_a_traced_value_points_to_where(fn):
    raises(TraceError, diffkit.trace, fn, 1.0, match_all=("np.where", "if"))


def test_and_on_traced_values_points_to_where():
    raises(TraceError, diffkit.trace, use_and, 1.0, 2.0, match_all=("np.where",))


@pytest.mark.parametrize("fn", [float, math.sin, math.exp, lambda x: math.sqrt(x * x)],
                         ids=["float", "math.sin", "math.exp", "math.sqrt"])
def test_float_and_math_functions_point_to_numpy(fn):
    raises(TraceError, diffkit.trace, fn, 1.0, match_all=("NumPy functions", "np.sin"))


def test_int_and_index_use_are_rejected():
    raises(TraceError, diffkit.trace, int, 1.0, match_all=("int()",))
    raises(TraceError, diffkit.trace, lambda x: [1.0, 2.0][x], 1.0)


def test_converting_to_an_array_numpy_does_not_dispatch_is_rejected_with_a_fix():
    from numpy import array as imported_before_tracing
    raises(TraceError, diffkit.trace, lambda x: imported_before_tracing([x, x]), 1.0,
           match_all=("np.stack",))
    raises(TraceError, diffkit.trace, lambda x: np.float64(x), 1.0, match_all=("np.stack",))


# -- unsupported NumPy ----------------------------------------------------------

@pytest.mark.parametrize("fn, name", [
    (np.unique, "np.unique"), (np.spacing, "np.spacing"), (np.nextafter, "np.nextafter"),
    (lambda x: np.interp(x, [0.0, 1.0], [1.0, 2.0]), "np.interp"),
    (lambda x: np.linalg.eig(np.outer(x, x)), "np.linalg.eig"),
    (lambda x: np.fft.fft(x), "np.fft.fft")])
def test_unsupported_numpy_function_is_named_with_its_module(fn, name):
    if fn is np.nextafter:
        fn = lambda x: np.nextafter(x, 2.0)  # noqa: E731
    raises(UnsupportedError, diffkit.trace, fn, np.ones(3),
           match_all=(f"{name} is not supported", "surface()"))


def test_ufunc_methods_point_to_the_plain_function():
    raises(UnsupportedError, diffkit.trace, lambda x: np.add.reduce(x), np.ones(3),
           match_all=("np.add.reduce", "np.sum"))


def test_unsupported_arguments_are_named():
    raises(UnsupportedError, diffkit.trace, lambda x: np.sum(x, dtype=np.float32),
           np.ones(3), match_all=("np.sum", "dtype"))
    raises(UnsupportedError, diffkit.trace, lambda x: np.sum(x, initial=1.0), np.ones(3),
           match_all=("np.sum", "initial"))
    raises(UnsupportedError, diffkit.trace, lambda x: np.where(x > 0), np.ones(3),
           match_all=("np.where(condition, x, y)",))


# -- in-place updates (writes into traced arrays: tests/graph/test_assignment.py) ---

def test_out_argument_is_rejected():
    def f(x):
        np.sin(x, out=x)
        return x
    raises(TraceError, diffkit.trace, f, np.ones(3), match_all=("out=", "returned value"))


# -- shapes -----------------------------------------------------------------------

def test_shapes_that_do_not_broadcast():
    msg = raises(ShapeError, diffkit.trace, lambda x, y: x + y, np.ones(3), np.ones(4),
                 match_all=("(3,)", "(4,)", "broadcast"))
    assert "x[:, None]" in msg  # says how to fix it


def test_matmul_misaligned_shapes():
    raises(ShapeError, diffkit.trace, lambda A, x: A @ x, np.ones((2, 3)), np.ones(2),
           match_all=("(2, 3)", "(2,)", "aligned"))


@pytest.mark.parametrize("fn, words", [
    (lambda x: x.reshape(4, 4), ("reshape", "(2, 3)")),
    (lambda x: x[5], ("does not fit",)),
    (lambda x: np.concatenate([x, x.T]), ("concatenate",)),
    (lambda x: np.sum(x, axis=2), ("axis 2", "out of bounds")),
    (lambda x: np.squeeze(x, 0), ("squeeze",)),
    (lambda x: np.broadcast_to(x, (3, 3)), ("broadcast",)),
    (lambda x: np.transpose(x, (0, 0)), ("permutation",)),
])
def test_structural_shape_errors(fn, words):
    raises(ShapeError, diffkit.trace, fn, np.ones((2, 3)), match_all=words)


def test_indexing_with_a_traced_float_or_mask_says_what_positions_are():
    # a traced input is a float: positions come from np.argmax, np.argmin, np.argsort
    raises(TraceError, diffkit.trace, lambda x, i: x[i], np.ones(3), 1.0,
           match_all=("integers", "np.argmax"))
    raises(TraceError, diffkit.trace, lambda x: x[x > 0], np.ones(3),
           match_all=("boolean mask", "np.where"))


def test_writing_at_traced_positions_says_they_must_be_known():
    def write(x):
        y = x.copy()
        y[np.argmax(x)] = 0.0
        return y
    raises(TraceError, diffkit.trace, write, np.ones(3), match_all=("known when tracing",))


def test_float_index_arrays_are_rejected():
    raises(UnsupportedError, diffkit.trace, lambda x: x[np.array([0.5])], np.ones(3),
           match_all=("integer arrays",))


# -- what the function returns and receives ---------------------------------------

def no_return(x):
    np.sin(x)


def test_function_returning_none():
    raises(TraceError, diffkit.trace, no_return, 1.0,
           match_all=("no_return", "returned None", "return the value"))


def test_function_returning_something_untraceable():
    raises(TraceError, diffkit.trace, lambda x: "done", 1.0, match_all=("return",))
    raises(TraceError, diffkit.trace, lambda x: {"y": x}, 1.0, match_all=("dict",))


def test_string_arguments_and_constants_are_rejected():
    # an argument is checked as every backend checks it: the same ArgumentError
    raises(ArgumentError, diffkit.trace, lambda x: x, "abc",
           match_all=("input 'x' must be real numbers", "str"))
    raises(TraceError, diffkit.trace, lambda x: x + np.array(["a"]), 1.0,
           match_all=("dtype",))


def test_a_tracer_leaking_into_another_trace():
    kept = []
    diffkit.trace(lambda x: kept.append(x) or x, 1.0)
    raises(TraceError, diffkit.trace, lambda y: y + kept[0], 1.0,
           match_all=("another trace",))


def test_names_must_match_the_arguments():
    with pytest.raises(TraceError, match="1 names for 2 arguments"):
        diffkit.trace(lambda x, y: x, 1.0, 2.0, names=["x"])


# -- evaluating -------------------------------------------------------------------

def test_evaluating_with_the_wrong_number_of_arguments():
    g = diffkit.trace(lambda x, y: x * y, 1.0, 2.0)
    for args in [(1.0,), (1.0, 2.0, 3.0), ()]:
        msg = raises(DiffkitError, g, *args, match_all=("2 input(s)", "x, y", "one value"))
        assert f"got {len(args)}" in msg
    with pytest.raises(TypeError):  # still a TypeError for callers that catch that
        g(1.0)


def test_evaluating_with_the_wrong_shape():
    g = diffkit.trace(lambda x: np.sum(x), np.ones(3))
    raises(ShapeError, g, np.ones(4), match_all=("'x'", "(4,)", "(3,)", "trace again"))
    raises(ShapeError, g, np.ones((1, 3)))  # broadcastable is not enough
    raises(ShapeError, diffkit.evaluate, g, 1.0)


def test_evaluating_with_non_numbers():
    g = diffkit.trace(lambda x: x + 1.0, 1.0)
    raises(DiffkitError, g, "abc", match_all=("'x'",))
    raises(DiffkitError, g, None, match_all=("'x'",))


def test_every_error_class_is_a_diffkit_error():
    for exc in [diffkit.TraceError, diffkit.ParseError, diffkit.ShapeError,
                diffkit.UnsupportedError, diffkit.GraphError]:
        assert issubclass(exc, DiffkitError)
