"""The engine's foundation: database dialects, the unit of work, settings, errors, time, closed
vocabularies, counters, paging, migrations and readiness. Imports nothing else of casework."""
