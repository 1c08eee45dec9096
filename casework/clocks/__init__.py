"""Deadlines: the official working-day calendar, clocks that start, pause, resume, extend and
stop with the case's state, and the one view of a clock."""
