"""Minutes' LangGraph pipeline. ``build_graph()`` gives the compiled meeting graph; see graph/builder.py."""

from graph.builder import build_graph, build_scheduler

__all__ = ["build_graph", "build_scheduler"]
