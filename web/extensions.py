"""Flask extensions, bound to the domain's own declarative base so ``workflow`` never imports Flask."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from workflow.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
