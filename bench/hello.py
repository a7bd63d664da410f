"""The hello-world baseline for ``bench/run.py``: the least a Flask app served by gunicorn can do.

Served with exactly the same gunicorn settings as the portal (``bench.hello:app``)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, world!"
