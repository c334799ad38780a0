"""The front-end files the pages load, served from the Python package (web/static/vendor/, built from
web/frontend/package-lock.json by `jobplan assets --build`; see web/vendoring.py). Nothing is fetched
at run time and nothing needs Node.js. Files the app itself writes live beside them in web/static/
(js/, css/) and are served by Flask's own static route."""
from __future__ import annotations

from flask import Blueprint, send_from_directory

from web.vendoring import MODULES, SHIPPED

NHSUK = SHIPPED / "nhsuk-frontend"
NHSUK_ASSETS = NHSUK / "assets"
AXE = MODULES / "axe-core" / "axe.min.js"  # test-only, from npm (`jobplan assets --dev`)

bp = Blueprint("assets", __name__)


@bp.get("/assets/<path:filename>")
def nhsuk_assets(filename):
    """The design system's images, icons and web manifest: its templates and stylesheet refer to /assets."""
    return send_from_directory(NHSUK_ASSETS, filename, max_age=86400)


@bp.get("/favicon.ico")
def favicon():
    """For clients that ask at the root without reading the page's <link rel="icon">."""
    return send_from_directory(NHSUK_ASSETS / "images", "favicon.ico", max_age=86400)
