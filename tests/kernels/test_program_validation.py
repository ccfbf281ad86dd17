"""diffkit.kernels.validate rejects malformed programs before any kernel runs.

The kernels trust every offset (numba does no bounds checks), so a corrupt
program must be a GraphError from the check, never a crash or a read outside
the workspace.  Each test corrupts one field of a correctly lowered program.
"""
import numpy as np
import pytest

import diffkit
from diffkit import GraphError
from diffkit.backends import compiled
from diffkit.kernels import validate
from diffkit.program.format import ELEMENTWISE_CODES
from diffkit.program.format import (ARRAY_CODES, HEADER, K_CALL, K_ELEM, K_GATHER, K_MATMUL, K_REDUCE, K_SCATTER,
                                   WIDTH)
from diffkit.program.adjoint import adjoint_graph
from diffkit.program.lower import lower


def f(A, x):
    # matmul, a gather (reversal), an elementwise op, a reduction along an axis, and
    # (in the adjoint) a scatter from the integer indexing, and a call (a scan)
    y = np.sin(A @ x + 0.25)[::-1] * x[np.array([0, 0, 2])]
    return np.sum(np.max(np.reshape(y, (3, 1)) * A, axis=1)) + np.sum(np.cumsum(y) ** 2)


A0, X0 = np.arange(9.0).reshape(3, 3) / 9, np.array([0.5, -1.0, 2.0])


@pytest.fixture(scope="module")
def program():
    return lower(adjoint_graph(diffkit.trace(f, A0, X0)))


def rows(ints):
    n_rows, row_off = int(ints[6]), int(ints[7])
    return ints[row_off:row_off + n_rows * WIDTH].reshape(n_rows, WIDTH)


def first_row(ints, kind):
    r = rows(ints)
    hits = np.nonzero(r[:, 0] == kind)[0]
    assert hits.size, f"the test program has no instruction of kind {kind}"
    return r[hits[0]]


def corrupt(program, edit):
    ints = program.ints.copy()
    edit(ints)
    return ints


def test_the_uncorrupted_program_passes_and_has_every_instruction_kind(program):
    validate(program.ints, program.consts)
    assert program.consts.size > 0
    kinds = set(rows(program.ints)[:, 0])
    assert {K_ELEM, K_GATHER, K_SCATTER, K_REDUCE, K_MATMUL, K_CALL} <= kinds


def _gather_index(value):
    def edit(ints):
        row = first_row(ints, K_GATHER)
        ints[row[10]] = value(ints)
    return edit


def _set(kind, column, value):
    def edit(ints):
        first_row(ints, kind)[column] = value(ints)
    return edit


def _geometry(kind, position, delta):
    def edit(ints):
        aux = first_row(ints, kind)[10]
        ints[aux + position] += delta
    return edit


N_SLOTS = lambda ints: ints[0]  # noqa: E731

CORRUPTIONS = {
    "gather index past the workspace": (_gather_index(N_SLOTS), "gather index out of range"),
    "negative gather index": (_gather_index(lambda i: -1), "gather index out of range"),
    "gather map outside the program": (_set(K_GATHER, 10, lambda i: i.size), "index map"),
    "scatter index past the result": (
        lambda ints: ints.__setitem__(first_row(ints, K_SCATTER)[10],
                                      first_row(ints, K_SCATTER)[3]), "scatter index"),
    "reduction segment past the result": (
        lambda ints: ints.__setitem__(first_row(ints, K_REDUCE)[10],
                                      first_row(ints, K_REDUCE)[3]), "reduction index"),
    "operand past the workspace": (_set(K_ELEM, 4, N_SLOTS), "operand outside the workspace"),
    "negative operand offset": (_set(K_ELEM, 4, lambda i: -3), "operand outside"),
    "operand size runs off the workspace": (_set(K_ELEM, 5, N_SLOTS), "operand"),
    "result past the workspace": (_set(K_ELEM, 2, N_SLOTS), "result outside the workspace"),
    "unknown instruction kind": (_set(K_ELEM, 0, lambda i: 9), "unknown instruction kind"),
    "unknown elementwise op": (_set(K_ELEM, 1, lambda i: len(ELEMENTWISE_CODES)),
                               "unknown elementwise"),
    "negative elementwise op": (_set(K_ELEM, 1, lambda i: -1), "unknown elementwise"),
    "elementwise op with the wrong arity": (_set(K_ELEM, 12, lambda i: 3), "arity"),
    "unknown reduction": (_set(K_REDUCE, 1, lambda i: 6), "unknown reduction"),
    "matmul inner dimension too large": (_geometry(K_MATMUL, 2, 1), "matmul"),
    "matmul batch too large": (_geometry(K_MATMUL, 0, 1), "matmul"),
    "matmul negative stride": (_geometry(K_MATMUL, 4, -100), "matmul"),
    "matmul transpose flag": (_geometry(K_MATMUL, 6, 2), "matmul geometry"),
    "matmul result size": (_set(K_MATMUL, 3, lambda i: first_row(i, K_MATMUL)[3] + 1),
                           "matmul"),
    "scan longer than its operand": (_geometry(K_CALL, 1, 1), "call geometry"),
    "scan direction flag": (_geometry(K_CALL, 3, 2), "call geometry"),
    "call geometry outside the program": (_set(K_CALL, 10, lambda i: i.size), "call geometry"),
    "unknown array op": (_set(K_CALL, 1, lambda i: len(ARRAY_CODES)), "unknown array op"),
    "unused call operand past the workspace": (_set(K_CALL, 6, N_SLOTS), "operand outside"),
    "output past the workspace": (lambda ints: ints.__setitem__(ints[5], ints[0]),
                                  "output outside the workspace"),
    "negative header field": (lambda ints: ints.__setitem__(6, -1), "negative header"),
    "instruction table past the end": (lambda ints: ints.__setitem__(6, ints.size),
                                       "tables outside the program"),
    "constants past the workspace": (lambda ints: ints.__setitem__(2, ints[0]),
                                     "constant region"),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_corrupt_program_is_rejected_with_a_graph_error(program, name):
    edit, message = CORRUPTIONS[name]
    ints = corrupt(program, edit)
    assert not np.array_equal(ints, program.ints), "the corruption changed nothing"
    with pytest.raises(GraphError, match=message):
        validate(ints, program.consts)


def test_wrong_containers_are_rejected(program):
    with pytest.raises(GraphError, match="int64"):
        validate(program.ints.astype(np.int32), program.consts)
    with pytest.raises(GraphError, match="header"):
        validate(program.ints[:HEADER - 1], program.consts)
    with pytest.raises(GraphError, match="constant region"):
        validate(program.ints, np.append(program.consts, 1.0))


def test_backends_validate_before_any_kernel_runs(program, monkeypatch):
    """A corrupt program from lowering stops at compile time: no kernel sees it."""
    ran = []

    def corrupt_lower(graph):
        p = lower(graph)
        p.ints = corrupt(p, _gather_index(N_SLOTS)) if K_GATHER in rows(p.ints)[:, 0] \
            else corrupt(p, _set(K_ELEM, 4, N_SLOTS))
        return p

    monkeypatch.setattr(compiled, "lower", corrupt_lower)
    from diffkit.kernels import build
    real = build.kernels
    monkeypatch.setattr(build, "kernels", lambda: ran.append(1) or real())
    for method in ("reverse", "forward"):
        with pytest.raises(GraphError, match="malformed program"):
            diffkit.grad(f, method=method)(A0, X0)
    with pytest.raises(GraphError, match="malformed program"):
        diffkit.hessian(f, argnums=1)(A0, X0)
    assert ran == []
    monkeypatch.undo()  # the same request with honest lowering runs and is right
    g = diffkit.grad(f, argnums=1)(A0, X0)
    assert g.shape == X0.shape and np.all(np.isfinite(g))
