"""The symbolic engine answers the requests the backends name, and only those."""
import numpy as np
import pytest

import diffkit
from diffkit.backends.base import REQUESTS
from diffkit.symbolic import compile_derivative


@pytest.mark.parametrize("request_", REQUESTS)
def test_the_engine_answers_every_request_of_the_backends(request_):
    d = compile_derivative(diffkit.parse("x ** 3 * y"), request_, (0, 1), generate=False)
    assert d.request == request_


def test_an_unknown_request_is_an_option_error_naming_the_requests():
    with pytest.raises(diffkit.OptionError, match="unknown request 'gradient'; choose one of "
                                                  + ", ".join(REQUESTS)):
        compile_derivative(diffkit.parse("x ** 3 * y"), "gradient", (0, 1))


def test_an_unknown_compiler_is_an_option_error():
    with pytest.raises(diffkit.OptionError, match="compiler='fortran': choose 'numpy' or 'numba'"):
        compile_derivative(diffkit.parse("x ** 3 * y"), "grad", (0, 1), compiler="fortran")


def test_an_input_named_like_another_inputs_entry_is_refused_with_the_fix():
    g = diffkit.parse("sum(x) * x_0", shapes={"x": (2,)})
    with pytest.raises(diffkit.UnsupportedError, match=r"entries of input 'x' x_<index> "
                                                       r"\(x_0, ...\); input 'x_0' clashes"):
        compile_derivative(g, "grad", (0, 1))


def test_a_function_numba_cannot_compile_names_the_numpy_compiler():
    # cbrt's symbolic code calls a function numba has no implementation for
    import diffkit
    with pytest.raises(diffkit.UnsupportedError, match="compiler='numpy'"):
        diffkit.grad(lambda x: np.sum(np.cbrt(x)), method="symbolic", compiler="numba")(
            np.ones(2))
