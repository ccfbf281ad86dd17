"""diffkit.kernels.validate checks whole columns of rows at once; int64 sums there
must not wrap around and let a huge offset through to a kernel."""
import numpy as np
import pytest

import diffkit
from diffkit import GraphError
from diffkit.kernels import validate
from diffkit.program import format as fmt
from diffkit.program.lower import lower

HUGE = 2 ** 62  # HUGE + HUGE wraps to a negative int64


@pytest.fixture
def program():
    return lower(diffkit.trace(lambda x: np.sum(np.sin(x) * x), np.ones(3)))


def test_a_row_whose_offsets_and_sizes_overflow_together_is_rejected(program):
    # sin's row with a result and an operand of HUGE entries at HUGE: the sizes agree,
    # so only the bounds check stands between this row and a write far outside
    ints = program.ints.copy()
    row = int(ints[fmt.H_ROWS])
    for field in ("R_OUT", "R_N", "R_A", "R_NA"):
        ints[row + getattr(fmt, field)] = HUGE
    with pytest.raises(GraphError, match="outside the workspace"):
        validate(ints, program.consts)


def test_an_output_that_overflows_is_rejected(program):
    ints = program.ints.copy()
    out = int(ints[fmt.H_OUTPUTS])
    ints[out + fmt.O_SLOT] = ints[out + fmt.O_SIZE] = HUGE
    with pytest.raises(GraphError, match="output outside the workspace"):
        validate(ints, program.consts)
