"""The front-end files the pages load, served from the Python package (web/static/vendor/, built from
web/frontend/package-lock.json by `jobplan assets --build`; see web/vendoring.py). Nothing is fetched
at run time and nothing needs Node.js. Files the app itself writes live beside them in web/static/
(js/, css/) and are served by Flask's own static route."""
from __future__ import annotations

import functools
import re

from flask import Blueprint, Response, send_from_directory

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


_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")


@functools.cache
def _stylesheet_without_remote_fonts() -> bytes:
    """nhsuk-frontend's stylesheet as shipped, less its @font-face rules: they load Frutiger from assets.nhs.uk,
    which a closed network cannot reach and the package does not include. Its font stacks already fall back to
    Arial, so the pages look as the design system intends without it, and no page asks another host for anything.
    The shipped file itself stays byte-for-byte what the lockfile pins (web/vendoring.py checks it)."""
    css = (NHSUK / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    return _FONT_FACE.sub("", css).encode("utf-8")


@bp.get("/assets/nhsuk-frontend.css")
def stylesheet():
    return Response(_stylesheet_without_remote_fonts(), mimetype="text/css",
                    headers={"Cache-Control": "public, max-age=86400"})
