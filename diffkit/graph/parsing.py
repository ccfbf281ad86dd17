"""Parsing expression strings into graphs, without eval.

The source is parsed with :mod:`ast` and walked by an interpreter that knows
a whitelist of node types; it applies ops through the same tracer that
:func:`~diffkit.trace` uses, so a parsed and a traced function give the same
graph.  Nothing in the string is ever executed by Python.
"""
import ast
import inspect
import operator

import numpy as np

from .. import ops
from ..errors import DiffkitError, ParseError
from .graph import GraphBuilder
from .tracing import Tracer, _const_or_tracer

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
           ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
            ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}
#: Extra spellings accepted in expressions, beside the op names.
ALIASES = {"absolute": "abs", "power": "pow", "negative": "neg", "multiply": "mul",
           "divide": "div", "add": "add", "subtract": "sub"}
CONSTANTS = {"pi": np.pi, "inf": np.inf, "nan": np.nan}  # listings print inf and nan
_HIDDEN = {"getitem"}  # written as x[...], not as a call


def _functions():
    table = {n: n for n in ops.names() if n not in _HIDDEN}
    table.update(ALIASES)
    return table


#: How :func:`parse` tells its caller to give an input a shape (``{name}``: the input).
SHAPES_HINT = "give its shape, e.g. parse(..., shapes={{'{name}': (3,)}})"


class _Interpreter:
    def __init__(self, source, shapes, shapes_hint):
        self.source = source
        self.shapes = dict(shapes or {})
        self.shapes_hint = shapes_hint
        self.builder = GraphBuilder()
        self.env = {}
        self.functions = _functions()

    def fail(self, node, message):
        raise ParseError(message, self.source, getattr(node, "lineno", 1),
                         getattr(node, "col_offset", 0))

    # -- statements -------------------------------------------------------
    def program(self, tree):
        if not tree.body:
            self.fail(tree, "empty expression: write e.g. 'sin(x) * y'")
        result = None
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
                    self.fail(stmt, "assign to one plain name per line, e.g. 'z1 = x * y'")
                target = self.check_name(stmt.targets[0])
                result = self.env[target] = self.expr(stmt.value)
            elif isinstance(stmt, ast.Expr):
                if stmt is not tree.body[-1]:
                    self.fail(stmt, "only the last line may be a bare expression (the output)")
                result = self.expr(stmt.value)
            else:
                self.fail(stmt, f"{type(stmt).__name__} statements are not allowed; write "
                                "assignments 'name = expression' and a final expression")
        return result

    def check_name(self, node):
        if node.id.startswith("__"):
            self.fail(node, f"name {node.id!r} is not allowed (dunder names are rejected)")
        return node.id

    # -- expressions ------------------------------------------------------
    def expr(self, node):
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            self.fail(node, f"{type(node).__name__} is not allowed in an expression; use "
                            "numbers, names, operators, function calls and subscripts")
        try:
            return method(node)
        except DiffkitError as err:
            if isinstance(err, ParseError):
                raise
            self.fail(node, str(err))
        except (TypeError, ValueError, IndexError) as err:
            # e.g. a float where an axis tuple belongs: a bad string, never a crash
            self.fail(node, f"invalid {type(node).__name__.lower()}: {err}")

    def expr_Constant(self, node):
        # True and False too: listings print boolean constants, e.g. where(True, x, y)
        if not isinstance(node.value, (int, float)):
            self.fail(node, f"constant {node.value!r} is not allowed; only real numbers "
                            "and True/False")
        return node.value

    def expr_Name(self, node):
        name = self.check_name(node)
        if name in self.env:
            return self.env[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in self.functions:
            self.fail(node, f"{name!r} is a function; call it, e.g. {name}(x)")
        shape = self.shapes.get(name, ())
        value = Tracer(self.builder, self.builder.add_input(name, shape))
        self.env[name] = value
        return value

    def expr_BinOp(self, node):
        fn = _BINOPS.get(type(node.op))
        if fn is None:
            self.fail(node, f"operator {type(node.op).__name__} is not supported")
        left, right = self.expr(node.left), self.expr(node.right)
        return self.arith(node, fn, left, right)

    def arith(self, node, fn, *args):
        if any(isinstance(a, Tracer) for a in args):
            return fn(*args)
        if not all(isinstance(a, (int, float)) for a in args):
            self.fail(node, "arithmetic works on numbers and arrays, not on tuples or lists")
        try:  # numbers only: compute in floats so 9**9**9 cannot stall the parser
            return fn(*(float(a) for a in args))
        except (OverflowError, ZeroDivisionError) as err:
            self.fail(node, f"constant arithmetic fails: {err}")

    def expr_UnaryOp(self, node):
        value = self.expr(node.operand)
        if isinstance(node.op, ast.USub):
            return self.arith(node, operator.neg, value)
        if isinstance(node.op, ast.UAdd):
            return value
        self.fail(node, f"unary {type(node.op).__name__} is not supported")

    def expr_Compare(self, node):
        if len(node.ops) != 1:
            self.fail(node, "chained comparisons (a < b < c) are not supported; "
                            "combine two comparisons with where()")
        fn = _COMPARE[type(node.ops[0])] if type(node.ops[0]) in _COMPARE else None
        if fn is None:
            self.fail(node, f"comparison {type(node.ops[0]).__name__} is not supported")
        return self.arith(node, fn, self.expr(node.left), self.expr(node.comparators[0]))

    def expr_Tuple(self, node):
        return tuple(self.expr(e) for e in node.elts)

    expr_List = expr_Tuple

    def expr_Call(self, node):
        if not isinstance(node.func, ast.Name):
            self.fail(node, "only plain function names can be called, e.g. sin(x)")
        fname = self.check_name(node.func)
        name = self.functions.get(fname)
        if name is None:
            self.fail(node.func, f"unknown function {fname!r}; known functions: "
                                 f"{', '.join(sorted(self.functions))}")
        op = ops.get(name)
        first_param = max(op.arity, 1)  # positional arguments from here on are parameters
        args = [self.param(a) if i >= first_param else self.expr(a)
                for i, a in enumerate(node.args)]
        kwargs = {k.arg: self.static(k.value) for k in node.keywords if k.arg}
        if len(kwargs) != len(node.keywords):
            self.fail(node, "**kwargs are not allowed")
        if op.arity < 0:
            if not args or not isinstance(args[0], tuple):
                self.fail(node, f"{name} takes a list of arrays, e.g. {name}([a, b], axis=0)")
            operands, extra = list(args[0]), args[1:]
        else:
            operands, extra = args[:op.arity], args[op.arity:]
            if len(operands) != op.arity:
                self.fail(node, f"{fname} takes {op.arity} operand(s), got {len(operands)}")
        param_names = _param_names(op)
        if len(extra) > len(param_names):
            self.fail(node, f"{fname}: too many arguments")
        kwargs.update(zip(param_names, (self.static_value(node, v) for v in extra)))
        unknown = set(kwargs) - set(param_names)
        if unknown:
            self.fail(node, f"{fname} has no parameter(s) {sorted(unknown)}; it takes "
                            f"{param_names or 'none'}")
        if not any(isinstance(a, Tracer) for a in operands):
            # numbers only, e.g. sin(1): still a node, so the graph shows it
            operands[0] = Tracer(self.builder, _const_or_tracer(self.builder, operands[0]))
        return ops.call(name, *operands, **kwargs)

    def param(self, node):
        # None is a parameter value (axis=None), as the listing prints it, never an operand.
        if isinstance(node, ast.Constant) and node.value is None:
            return node.value
        return self.expr(node)

    def static(self, node):
        return self.static_value(node, self.param(node))

    def static_value(self, node, value):
        if isinstance(value, Tracer) or (
                isinstance(value, tuple) and any(isinstance(v, Tracer) for v in value)):
            self.fail(node, "this argument must be a constant (e.g. axis=1)")
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def expr_Subscript(self, node):
        if (isinstance(node.value, ast.Name) and node.value.id not in self.env
                and node.value.id not in self.shapes):
            name = node.value.id
            self.fail(node, f"cannot index {name!r}: it is not defined before this line and "
                            "inputs are scalars unless given a shape; "
                            + self.shapes_hint.format(name=name))
        value = self.expr(node.value)
        if not isinstance(value, Tracer):
            self.fail(node, "only arrays can be indexed")
        return value[self.index(node.slice)]

    def index(self, node):
        if isinstance(node, ast.Tuple):
            return tuple(self.index(e) for e in node.elts)
        if isinstance(node, ast.Slice):
            return slice(*(None if p is None else self.integer(p)
                           for p in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Constant) and node.value in (None, Ellipsis):
            return node.value
        if isinstance(node, ast.List):
            return np.array([self.integer(e) for e in node.elts], dtype=np.int64)
        return self.integer(node)

    def integer(self, node):
        value = self.expr(node)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(node, "indices must be integer constants")
        return value


def _param_names(op):
    """Names of an op's non-array parameters, in positional order."""
    if isinstance(op.impl, np.ufunc):  # out=, where=, dtype=... are not diffkit parameters
        return []
    try:
        names = list(inspect.signature(op.impl).parameters)
    except (TypeError, ValueError):  # ufuncs have no Python signature
        return []
    return names[max(op.arity, 1):]


class _FreeNames(ast.NodeVisitor):
    """Names read before being assigned, in the order the interpreter meets them."""

    def __init__(self):
        self.assigned, self.found = set(), []
        self.functions = _functions()

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assigned.add(target.id)

    def visit_Call(self, node):
        for child in node.args + [k.value for k in node.keywords]:
            self.visit(child)

    def visit_Name(self, node):
        name = node.id
        if name not in self.assigned and name not in CONSTANTS and \
                name not in self.functions and name not in self.found:
            self.found.append(name)


def input_names(source):
    """Input names of an expression, in order of first appearance, without building it.

    Examples
    --------
    >>> from diffkit.graph.parsing import input_names
    >>> input_names("z = x @ W; out = sum(z * y)")
    ['x', 'W', 'y']
    """
    tree = _syntax_tree(source)
    visitor = _FreeNames()
    try:
        visitor.visit(tree)
    except (RecursionError, MemoryError):
        raise _too_deep(source) from None
    return visitor.found


def _too_deep(source):
    return ParseError("expression is nested too deeply; split it into assignments", source)


def _syntax_tree(source):
    """``ast.parse`` of ``source``, with every failure (bad syntax, too deep) a ParseError."""
    if not isinstance(source, str):
        raise TypeError(f"parse takes a string, got {type(source).__name__}")
    try:
        return ast.parse(source, mode="exec")
    except SyntaxError as err:
        raise ParseError(f"syntax error: {err.msg}", source, err.lineno or 1,
                         max((err.offset or 1) - 1, 0)) from None
    except (RecursionError, MemoryError):
        raise _too_deep(source) from None


def parse(source, shapes=None, *, shapes_hint=SHAPES_HINT):
    """Parse an expression or a straight-line program into a Graph.

    Parameters
    ----------
    source : str
        A single expression (``"sin(exp(x*y) + 2*x**2)"``) or assignments
        ending in the output, one per line or separated by ``;``.  Names
        that are used before being assigned become inputs, in order of first
        appearance.  Function names are those of :func:`diffkit.ops.names`.
    shapes : dict, optional
        Shapes of array inputs, e.g. ``{"x": (3,)}``; inputs default to scalars.
    shapes_hint : str, optional
        How the user gives a shape, in the caller's terms (the command line names its
        flag), said when an input without one is indexed; ``{name}`` is the input.

    Returns
    -------
    Graph

    Raises
    ------
    ParseError
        With the line and column of the offending token.

    Examples
    --------
    >>> import diffkit
    >>> g = diffkit.parse("z1 = x * y; z2 = x ** 2; out = sin(exp(z1) + 2 * z2)")
    >>> g.input_names
    ('x', 'y')
    >>> g = diffkit.parse("sum(x[1:] * x[:-1])", shapes={"x": (4,)})
    >>> float(g([1.0, 2.0, 3.0, 4.0]))
    20.0
    """
    tree = _syntax_tree(source)
    interp = _Interpreter(source, shapes, shapes_hint)
    try:
        result = interp.program(tree)
    except (RecursionError, MemoryError):
        raise _too_deep(source) from None
    outputs = result if isinstance(result, tuple) else (result,)
    nodes = [_const_or_tracer(interp.builder, o) for o in outputs]
    return interp.builder.finish(nodes)
