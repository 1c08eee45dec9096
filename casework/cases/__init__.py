"""Cases: the pure check chain (rules), the writes (service) and the reads (queries)."""
