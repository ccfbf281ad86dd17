"""Graphs: building them by tracing or parsing, evaluating, transforming, drawing."""
from .evaluate import evaluate
from .graph import Graph, GraphBuilder
from .parsing import parse
from .tracing import Tracer, trace
from . import passes

__all__ = ["Graph", "GraphBuilder", "Tracer", "evaluate", "parse", "passes", "trace"]
