"""Flask extensions, bound to the domain's own declarative base so ``workflow`` never imports Flask."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from workflow.store.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()
# Storage from RATELIMIT_STORAGE_URI (JOBPLAN_RATELIMIT_STORAGE_URI): memory by default, which counts per
# process; behind several workers set a shared store (redis://…) so the login limit holds for them all.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
