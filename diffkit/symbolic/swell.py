"""Expression swell: operation counts of expressions, with and without CSE.

Counts treat an expression as the tree SymPy prints (a repeated
subexpression counts every time it appears), computed over the DAG with a
memo so that exponentially large trees are counted in linear time.  "With
CSE" counts the code after :func:`sympy.cse`: each shared subexpression once.
"""
from dataclasses import asdict, dataclass

import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair

from .functions import ZMul


def _own(e):
    """Operations at the root of ``e``: n - 1 for an n-term sum or product, else 1."""
    if isinstance(e, (sp.Add, sp.Mul, ZMul)):
        return len(e.args) - 1
    if not e.args or isinstance(e, (ExprCondPair, sp.Tuple)):
        return 0
    return 1


def _kind(e):
    # a zero-wins product is a multiplication in the generated code
    return "mul" if isinstance(e, ZMul) else type(e).__name__.lower()


def tree_ops(exprs, by_kind=None):
    """Total operations of ``exprs`` as trees (no sharing).

    ``by_kind``, a dict, receives the count per root class name (add, sin...).

    Examples
    --------
    >>> import sympy as sp
    >>> from diffkit.symbolic.swell import tree_ops
    >>> x = sp.Symbol("x")
    >>> s = sp.sin(x) + 1
    >>> kinds = {}
    >>> tree_ops([s * s + s], kinds)  # (sin(x)+1)**2 + sin(x) + 1
    6
    >>> sorted(kinds.items())
    [('add', 3), ('pow', 1), ('sin', 2)]
    """
    memo, kinds = {}, {}
    total = 0
    for root in map(sp.sympify, exprs):
        stack = [(root, False)]
        while stack:
            e, done = stack.pop()
            if e in memo:
                continue
            if not done:
                stack.append((e, True))
                stack.extend((a, False) for a in e.args if a not in memo)
                continue
            own = _own(e)
            memo[e] = own + sum(memo[a] for a in e.args)
            if by_kind is not None:
                k = {_kind(e): own} if own else {}
                for a in e.args:
                    for name, c in kinds[a].items():
                        k[name] = k.get(name, 0) + c
                kinds[e] = k
        total += memo[root]
        if by_kind is not None:
            for name, c in kinds[root].items():
                by_kind[name] = by_kind.get(name, 0) + c
    return total


def cse_ops(replacements, reduced):
    """Operations of the code after CSE: each temporary once, then the outputs."""
    return tree_ops([rhs for _, rhs in replacements] + list(reduced))


@dataclass
class Swell:
    """Size and timing of one symbolic run.

    Attributes
    ----------
    graph_ops : int
        Scalar operations of the function's graph (its flops).
    function_ops, function_ops_cse : int
        Operations of the function's expressions as trees, and after CSE.
    derivative_ops, derivative_ops_cse : int
        The same for the derivative's expressions.
    convert_seconds, differentiate_seconds, cse_seconds, compile_seconds : float
        Time to build the SymPy expressions, to differentiate them, to find
        common subexpressions, and to generate and compile code.
    """

    graph_ops: int = 0
    function_ops: int = 0
    function_ops_cse: int = 0
    derivative_ops: int = 0
    derivative_ops_cse: int = 0
    convert_seconds: float = 0.0
    differentiate_seconds: float = 0.0
    cse_seconds: float = 0.0
    compile_seconds: float = 0.0

    @property
    def ratio(self):
        """Derivative operations (no CSE) per function operation (no CSE)."""
        return self.derivative_ops / max(self.function_ops, 1)

    def as_dict(self):
        return asdict(self)
