"""np.einsum on traced values: every subscript form against np.einsum, on random subscripts,
and its derivatives in every method against central differences."""
import numpy as np
import pytest

import diffkit
from diffkit import DiffkitError, ShapeError, TraceError

EPS = np.finfo(float).eps / 2  # the unit round-off


def _bound(subscripts, operands, terms):
    """Rounding bound of an einsum whose entries sum ``terms`` products of the operands.

    Each entry, however its sums and products are associated, is within
    gamma_m = m u / (1 - m u) (m = terms + operands: the additions and the
    multiplications on any path) times the same contraction of absolute values
    (Higham, Accuracy and Stability of Numerical Algorithms, 3.1); NumPy's and
    diffkit's values are each that close, so they are within twice of each other.
    """
    m = terms + len(operands)
    return 2 * m * EPS / (1 - m * EPS) * np.einsum(subscripts, *map(np.abs, operands))


def _check(subscripts, operands, terms):
    want = np.einsum(subscripts, *operands)
    got = diffkit.trace(lambda *xs: np.einsum(subscripts, *xs), *operands)(*operands)
    assert np.shape(got) == np.shape(want), subscripts
    assert np.all(np.abs(got - want) <= _bound(subscripts, operands, terms)), subscripts


FORMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),                     # implicit output
    ("ij,kj->ki", [(2, 3), (4, 3)]),
    ("i,i", [(5,), (5,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ii->i", [(3, 3)]),                             # a diagonal
    ("ii", [(3, 3)]),                                # the trace
    ("iji->j", [(3, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ba", [(2, 3)]),                                # implicit output is sorted: a transpose
    ("Ab,bA", [(2, 3), (3, 2)]),                     # upper case labels sort first
    ("...ij,...jk->...ik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]),      # broadcast ellipsis dimensions
    ("i...->...", [(3, 2, 2)]),
    ("...,...", [(), (3,)]),
    (",ij->ij", [(), (2, 3)]),                       # a 0-d operand
    ("ij,ij->ij", [(3, 1), (1, 4)]),                 # labels of length 1 broadcast
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ab,bc,cd,de", [(2, 3), (3, 2), (2, 4), (4, 2)]),
    ("i,ij,j", [(3,), (3, 4), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("ijk,jkl->il", [(2, 3, 4), (3, 4, 2)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
    ("ij,ij,ij->", [(2, 3), (2, 3), (2, 3)]),
    ("ij,jk->ik", [(3, 0), (0, 4)]),                 # an empty sum is 0
]


@pytest.mark.parametrize("subscripts, shapes", FORMS, ids=[f[0] for f in FORMS])
def test_every_subscript_form_equals_numpy(subscripts, shapes):
    rng = np.random.default_rng(0)
    operands = [rng.normal(size=s) for s in shapes]
    _check(subscripts, operands, terms=int(np.prod([n for s in shapes for n in s])))


def test_the_interleaved_form_equals_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    for subs in [([0, 1], [2, 1], [0, 2]), ([0, 1], [2, 1]),
                 ([Ellipsis, 1], [51, 1], [Ellipsis, 51])]:
        want = np.einsum(a, subs[0], b, *subs[1:])
        got = diffkit.trace(lambda x, y: np.einsum(x, subs[0], y, *subs[1:]), a, b)(a, b)
        # sums of 3 products: within 2 gamma_4 of each other, relative to sum |a_i b_i|
        assert np.all(np.abs(got - want) <= 8 * EPS * np.einsum(
            np.abs(a), subs[0], np.abs(b), *subs[1:]) * 1.01)


def _random_einsum(rng):
    """Random subscripts (repeated labels, ellipses, implicit or explicit output, unit
    lengths that broadcast) and operands that fit them."""
    labels = "abcdA"
    sizes = dict(zip(labels, rng.integers(1, 4, size=len(labels))))
    ellipsis = tuple(rng.integers(1, 3, size=rng.integers(0, 3))) if rng.random() < 0.4 else None
    terms, shapes = [], []
    for _ in range(rng.integers(1, 4)):
        term = list(rng.choice(list(labels), size=rng.integers(0, 4)))
        shape = [sizes[c] if rng.random() > 0.1 or term.count(c) > 1 else 1 for c in term]
        if ellipsis is not None and rng.random() < 0.7:
            k = rng.integers(0, len(ellipsis) + 1)
            dims = [n if rng.random() > 0.2 else 1 for n in ellipsis[len(ellipsis) - k:]]
            at = rng.integers(0, len(term) + 1)
            term[at:at] = ["..."]
            shape[at:at] = dims
        terms.append("".join(term))
        shapes.append(tuple(shape))
    subscripts = ",".join(terms)
    used = sorted({c for t in terms for c in t if c != "."})
    if rng.random() < 0.6:
        out = list(rng.permutation(used)[:rng.integers(0, len(used) + 1)])
        if any("..." in t for t in terms):
            out.insert(rng.integers(0, len(out) + 1), "...")
        subscripts += "->" + "".join(out)
    return subscripts, [rng.normal(size=s) for s in shapes], max(1, int(np.prod(
        [sizes[c] for c in used])) * int(np.prod(ellipsis or ())))


def test_random_subscripts_equal_numpy():
    rng = np.random.default_rng(2026)
    for _ in range(300):
        subscripts, operands, terms = _random_einsum(rng)
        _check(subscripts, operands, terms)


#: Subscripts whose derivatives are checked in every method (every operand traced).
GRADIENTS = [
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
    ("...ij,...jk", [(2, 1, 2, 3), (2, 3, 2)]),
    ("i,ij,j", [(3,), (3, 2), (2,)]),
    ("ij,ij->ij", [(3, 1), (1, 2)]),
]


def _central(fn, xs):
    """Jacobian of fn (all operands, flattened in order) by central differences."""
    flat = np.concatenate([x.ravel() for x in xs])
    h = EPS ** (1 / 3) * max(1.0, np.max(np.abs(flat)))
    cuts = np.cumsum([x.size for x in xs])[:-1]

    def at(v):
        return np.ravel(fn(*[p.reshape(x.shape) for p, x in zip(np.split(v, cuts), xs)]))
    cols = [(at(flat + h * e) - at(flat - h * e)) / (2 * h) for e in np.eye(flat.size)]
    return np.array(cols).T


@pytest.mark.parametrize("method", ["fd", "symbolic", "forward", "reverse"])
@pytest.mark.parametrize("subscripts, shapes", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_einsum_jacobians_in_every_method_match_central_differences(subscripts, shapes,
                                                                     method):
    rng = np.random.default_rng(3)
    xs = [rng.normal(size=s) for s in shapes]

    def fn(*operands):
        return np.einsum(subscripts, *operands)
    want = _central(fn, xs)
    blocks = diffkit.jacobian(fn, method=method, argnums=tuple(range(len(xs))))(*xs)
    got = np.concatenate([np.reshape(b, (want.shape[0], x.size)) for b, x in zip(blocks, xs)],
                         axis=1)
    # the einsums here are polynomials of degree <= 3: the central difference's only
    # error is round-off, eps |f| / h ~ 1e-11 of the scale
    assert np.max(np.abs(got - want)) <= 1e-8 * max(1.0, np.max(np.abs(want)))


def test_the_contraction_order_is_greedy_not_left_to_right():
    # (a b) c costs a 100 x 100 intermediate; a (b c) a vector: the order decides the size
    a, b, c = np.ones((100, 2)), np.ones((2, 100)), np.ones(100)
    g = diffkit.trace(lambda a, b, c: np.einsum("ij,jk,k->i", a, b, c), a, b, c)
    assert max(np.prod(g.node(n)["shape"]) for n in g.order) < 100 * 100


@pytest.mark.parametrize("args, exc, words", [
    (("ij,jk->ik", (2, 3), (4, 2)), ShapeError, ("label 'j'", "lengths 3 and 4")),
    (("ij,jk", (2, 3)), ShapeError, ("2 operand(s)", "1 were given")),
    (("ij->iz", (2, 3)), ShapeError, ("'iz'",)),
    (("ij->ii", (2, 3)), ShapeError, ("repeats",)),
    (("ijk", (2, 3)), ShapeError, ("'ijk'", "(2, 3)")),
    (("...i->i", (2, 3)), ShapeError, ("'...' in the output",)),
    (("i1", (2, 3)), TraceError, ("invalid character",)),
    (("i.j", (2, 3)), TraceError, ("'.'",)),
])
def test_bad_subscripts_are_diffkit_errors(args, exc, words):
    subscripts, *shapes = args
    with pytest.raises(exc) as info:
        diffkit.trace(lambda *xs: np.einsum(subscripts, *xs), *map(np.ones, shapes))
    assert isinstance(info.value, DiffkitError)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
