"""The symbolic engine answers the requests the backends name, and only those."""
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
