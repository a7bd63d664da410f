"""Extension objects, created unbound: ``create_app`` binds them."""

from flask_babel import Babel

babel = Babel()
