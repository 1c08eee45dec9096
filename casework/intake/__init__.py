"""The 12351 hotline intake: a call becomes a work order (and the case it opens), exactly once."""
