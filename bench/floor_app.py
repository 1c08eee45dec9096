"""The floor of the HTTP figures: a bare Flask view that replays a transition's captured SQL with
psycopg (one connection per worker, each replay rolled back, exactly as throughput.py's raw
replay does) and answers with the real transition's JSON body. Served by the same gunicorn
configuration as the app, it costs what any Flask application on this server must: the HTTP
server, the client, Flask's dispatch and the SQL, with no application code at all.

throughput.py starts it (``--pythonpath bench floor_app:app``) with BENCH_FLOOR_FILE naming a
pickle of ``(database URL, [(sql, parameters), ...], answer bytes)``.
"""

from __future__ import annotations

import os
import pickle

import psycopg
from flask import Flask, Response

with open(os.environ["BENCH_FLOOR_FILE"], "rb") as f:
    URL, STATEMENTS, ANSWER = pickle.load(f)

app = Flask("floor")
_conn: list[psycopg.Connection] = []


@app.get("/healthz")
def healthz() -> Response:
    return Response(b'{"status": "ok"}', mimetype="application/json")


@app.post("/replay")
def replay() -> Response:
    if not _conn:  # opened in the worker, after gunicorn forked it
        _conn.append(psycopg.connect(URL))
    conn = _conn[0]
    with conn.cursor() as cur:
        for sql, params in STATEMENTS:
            cur.execute(sql, params)
            if cur.description:
                cur.fetchall()
    conn.rollback()
    return Response(ANSWER, mimetype="application/json", headers={"ETag": '"3"'})
