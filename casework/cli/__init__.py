"""The ``casework`` command line: the parser, one function per command, and ``serve``.
Uses the same services and queries as the API; imports no Flask."""

from casework.cli.parser import main

__all__ = ["main"]
