"""casework: the case engine (models, services, calendar, scheduler, CLI). Imports no Flask."""

__version__ = "0.1.0"
