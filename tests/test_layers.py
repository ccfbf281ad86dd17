"""The layers of diffkit, checked on its import graph.

Every module of the package is parsed with :mod:`ast` (never imported), and
every ``import`` statement counts, at module level or inside a function:
a function-level import is a dependency all the same, only a later one.
Relative imports are resolved, and ``from .. import ops`` is an import of
``diffkit.ops``, not of the package root.  Imports made by
:func:`importlib.import_module` are not seen (diffkit uses it only for lazy
submodules of the importing package itself).

The rules, each a test below:

* ``diffkit.graph`` imports only ``diffkit.ops`` and ``diffkit.errors``;
* ``diffkit.program`` imports only ``graph``, ``ops`` and ``errors``;
* ``diffkit.kernels`` imports only the program format and ``errors``;
* ``diffkit.optim`` imports nothing of the backends, fd, symbolic or kernels
  (optimizers never compute gradients);
* ``numba`` is imported in ``diffkit/kernels/build.py`` only;
* modules import each other relatively (``from ..errors import ...``);
* a module-level constant is defined in one module (its home);
* no import cycle between the parts of the package (its subpackages and
  top-level modules), the root ``diffkit/__init__.py`` aside: it is the
  public API and imports every part.
"""
import ast
import pathlib
from collections import defaultdict

import diffkit

PACKAGE = pathlib.Path(diffkit.__file__).parent


def _module_name(path):
    """``diffkit/graph/passes.py`` -> ``diffkit.graph.passes``; a package is its folder."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name):
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path, name, is_package):
    """Yield (imported module, line) for every import statement of module ``name`` at ``path``.

    ``from X import a`` imports ``X.a`` when that is a module, else ``X``.
    """
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            for alias in node.names:
                full = f"{source}.{alias.name}"
                yield (full if _is_module(full) else source), node.lineno


def _graph():
    """{module: [(imported module, 'file:line'), ...]} over every module of diffkit."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where, name = path.relative_to(PACKAGE.parent).as_posix(), _module_name(path)
        graph[name] = [(target, f"{where}:{line}")
                       for target, line in _imports(path, name, path.name == "__init__.py")]
    return graph


GRAPH = _graph()


def _within(module, prefix):
    return module == prefix or module.startswith(prefix + ".")


def _violations(layer, allowed=(), forbidden=None):
    """Imports of diffkit modules by modules of ``layer`` that break its rule.

    With ``forbidden``, only imports of those prefixes break it; otherwise
    every diffkit import outside ``layer`` and ``allowed``.
    """
    found = []
    for module, imports in GRAPH.items():
        if not _within(module, layer):
            continue
        for target, where in imports:
            if not _within(target, "diffkit"):
                continue
            if forbidden is not None:
                bad = any(_within(target, p) for p in forbidden)
            else:
                bad = not any(_within(target, p) for p in (layer, *allowed))
            if bad:
                found.append(f"{where} imports {target}")
    return list(dict.fromkeys(found))  # `from x import a, b` is one import of x


def test_the_parser_resolves_relative_and_function_level_imports(tmp_path):
    path = tmp_path / "module.py"
    path.write_text("import numba.core\n"
                    "from .. import ops, errors\n"
                    "from ..graph.evaluate import real_array\n"
                    "from . import passes\n"
                    "def f():\n"
                    "    from .algebra import simplify\n")
    found = list(_imports(path, "diffkit.graph.module", is_package=False))
    assert found == [("numba.core", 1), ("diffkit.ops", 2), ("diffkit.errors", 2),
                     ("diffkit.graph.evaluate", 3), ("diffkit.graph.passes", 4),
                     ("diffkit.graph.algebra", 6)]
    # in a package's __init__.py, `.` is the package itself
    init = tmp_path / "__init__.py"
    init.write_text("from .passes import simplify\n")
    assert list(_imports(init, "diffkit.graph", is_package=True)) == [("diffkit.graph.passes", 1)]


def test_graph_imports_only_ops_and_errors():
    assert _violations("diffkit.graph", ["diffkit.ops", "diffkit.errors"]) == []


def test_program_imports_only_graph_ops_and_errors():
    allowed = ["diffkit.graph", "diffkit.ops", "diffkit.errors"]
    assert _violations("diffkit.program", allowed) == []


def test_kernels_import_only_the_program_format_and_errors():
    allowed = ["diffkit.program.format", "diffkit.errors"]
    assert _violations("diffkit.kernels", allowed) == []


def test_optimizers_import_nothing_of_the_backends():
    forbidden = ["diffkit.backends", "diffkit.fd", "diffkit.symbolic", "diffkit.kernels"]
    assert _violations("diffkit.optim", forbidden=forbidden) == []


def test_numba_is_imported_in_one_module():
    importers = sorted({where.partition(":")[0] for imports in GRAPH.values()
                        for target, where in imports if _within(target, "numba")})
    assert importers == ["diffkit/kernels/build.py"]


def test_modules_import_each_other_relatively():
    """``from ..errors import OptionError``, not ``from diffkit.errors import ...``."""
    absolute = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and not node.level and \
                    _within(node.module, "diffkit"):
                absolute.append(f"{path.relative_to(PACKAGE.parent).as_posix()}:{node.lineno}")
    assert absolute == []


#: Names every module of a kind defines for itself: each NumPy family module's own tables,
#: which diffkit.graph.numpy_functions merges.
PER_MODULE = {"FUNCTIONS": "graph/numpy_", "METHODS": "graph/numpy_"}


def test_each_constant_has_one_home():
    """A module-level CONSTANT name is assigned in one module; the others import it."""
    homes = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        for node in ast.parse(path.read_text(), str(path)).body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id.lstrip("_").isupper() and \
                        not where.startswith(PER_MODULE.get(target.id, "/")):
                    homes[target.id].append(path.relative_to(PACKAGE.parent).as_posix())
    assert {name: where for name, where in homes.items() if len(where) > 1} == {}


def _part(module):
    """The part of the package a module belongs to: ``diffkit.graph.passes`` -> ``graph``."""
    return module.split(".")[1] if "." in module else None


def _cycles():
    """Strongly connected sets of parts (each a sorted tuple), found iteratively (Tarjan)."""
    edges = defaultdict(set)
    for module, imports in GRAPH.items():
        for target, _ in imports:
            a, b = _part(module), _part(target)
            if a and b and a != b and _within(target, "diffkit"):
                edges[a].add(b)
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(tuple(sorted(component)))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(found)


def _cycle_path(parts):
    """The shortest import chain ``a -> b -> ... -> a`` through ``parts``, with file:line."""
    steps = {}
    for module, imports in GRAPH.items():
        for target, where in imports:
            a, b = _part(module), _part(target)
            if a in parts and b in parts and a != b and _within(target, "diffkit"):
                steps.setdefault((a, b), where)
    start = parts[0]
    came_from, frontier = {}, [start]
    while start not in came_from:  # breadth first; in a cycle, start is reached again
        following = []
        for a in frontier:
            for b in sorted(b for (x, b) in steps if x == a and b not in came_from):
                came_from[b] = a
                following.append(b)
        frontier = following
    chain = [start]
    while chain[-1] != start or len(chain) == 1:
        chain.append(came_from[chain[-1]])
    chain.reverse()
    return " -> ".join(f"{a} ({steps[(a, b)]})" for a, b in zip(chain, chain[1:])) + f" -> {start}"


def test_no_import_cycle_between_parts():
    found = [_cycle_path(c) for c in _cycles()]
    assert found == [], "import cycle(s):\n" + "\n".join(found)
