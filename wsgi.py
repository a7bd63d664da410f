"""WSGI entry point for gunicorn: ``gunicorn -w 4 -b 0.0.0.0:8000 wsgi:app``.

Configuration comes from ``PORTAL_*`` environment variables (see README); outside debug and tests
the app refuses to start without a strong ``PORTAL_SECRET_KEY``."""

from portal import create_app

app = create_app()
