"""People and places: org units, users, employers, workers; who may do what (access), who is
calling (auth), personal data (pii) and where service sinks to (routing)."""
