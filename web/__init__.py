"""The Flask edge: app factory, API and pages, CLI and scheduler wiring. It calls into ``workflow``."""
from web.app import create_app

__all__ = ["create_app"]
