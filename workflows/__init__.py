"""Workflow definitions: pure data on `transitions`, no database and no web framework."""

from workflows.registry import REGISTRY, get, names

__all__ = ["REGISTRY", "get", "names"]
