"""The HTTP face of the engine: Flask app factory (``api.app.create_app``), health checks, the
REST resources.

Deliberately imports nothing: gunicorn loads ``api.gunicorn_conf`` through this package, and that
file must set ``PROMETHEUS_MULTIPROC_DIR`` before anything imports prometheus_client (which the
app does), or every worker counts only for itself and ``/metrics`` shows no requests.
"""
