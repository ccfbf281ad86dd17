"""Graphs: building them by tracing or parsing, evaluating, transforming, drawing."""
from .evaluate import evaluate
from .front import as_graph
from .graph import Graph, GraphBuilder
from .parsing import parse
from .tracing import Tracer, trace
from . import passes

__all__ = ["Graph", "GraphBuilder", "Tracer", "as_graph", "evaluate", "parse", "passes", "trace"]
