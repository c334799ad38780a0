"""Front-end assets from the npm registry (web/frontend/package.json, locked), installed by the
project's own setup step (`jobplan assets`, run by `jobplan serve` when they are missing) and served
from node_modules: nothing is copied into the repository by hand, nothing is fetched at run time."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from flask import Blueprint, abort, send_from_directory

FRONTEND = Path(__file__).resolve().parent / "frontend"
MODULES = FRONTEND / "node_modules"
NHSUK_DIST = MODULES / "nhsuk-frontend" / "dist" / "nhsuk"
NHSUK_VERSION = "10.6.1"

bp = Blueprint("assets", __name__)

# What the pages may load, by URL name → file on disk. A fixed map: no path from the URL reaches the disk.
VENDOR = {
    "nhsuk.min.css": NHSUK_DIST / f"nhsuk-frontend-{NHSUK_VERSION}.min.css",
    "nhsuk.min.js": NHSUK_DIST / f"nhsuk-frontend-{NHSUK_VERSION}.min.js",
    "mermaid.min.js": MODULES / "mermaid" / "dist" / "mermaid.min.js",
    "axe.min.js": MODULES / "axe-core" / "axe.min.js",
}


def installed(dev: bool = False) -> bool:
    names = ["nhsuk.min.css", "nhsuk.min.js", "mermaid.min.js"] + (["axe.min.js"] if dev else [])
    return all(VENDOR[n].is_file() for n in names)


def install(dev: bool = False) -> None:
    """`npm ci` from the lock file. Refuses clearly when npm is missing."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed once to install the NHS.UK design system (web/frontend); "
                           "install Node.js and npm, then run `jobplan assets`")
    cmd = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"] + ([] if dev else ["--omit=dev"])
    subprocess.run(cmd, cwd=FRONTEND, check=True)


@bp.get("/assets/<path:filename>")
def nhsuk_assets(filename):
    """The design system's own images, icons and manifest (its templates refer to /assets)."""
    return send_from_directory(NHSUK_DIST / "assets", filename, max_age=86400)


@bp.get("/static/vendor/<name>")
def vendor(name):
    path = VENDOR.get(name)
    if path is None or not path.is_file():
        abort(404)
    return send_from_directory(path.parent, path.name, max_age=86400)
