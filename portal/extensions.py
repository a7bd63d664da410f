"""Extension objects, created unbound: ``create_app`` binds them."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: Limits are declared on the views that need them (login); storage is memory or Redis (config).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
