"""Issue 18 item 16: the app serves its front-end files from the Python package, with no node_modules,
and `jobplan serve` needs no npm."""
from __future__ import annotations

import shutil
import subprocess

import werkzeug.serving
from click.testing import CliRunner
from flask.cli import ScriptInfo

from web import create_app, scheduler, vendoring
from web.cli import main


def test_item_16_the_pages_assets_are_served_without_node_modules(app, tmp_path, monkeypatch):
    monkeypatch.setattr(vendoring, "MODULES", tmp_path / "no-node-modules")
    client = app.test_client()
    for url in ("/static/vendor/nhsuk-frontend/nhsuk-frontend.min.css",
                "/static/vendor/nhsuk-frontend/nhsuk-frontend.min.js", "/static/vendor/mermaid/mermaid.min.js",
                "/assets/images/nhsuk-icon-arrow-right-circle.svg", "/favicon.ico", "/static/js/nhsuk-init.js"):
        r = client.get(url)
        assert r.status_code == 200, url
        r.close()


def test_item_16_serve_runs_no_npm(tmp_path, policies, monkeypatch):
    """`jobplan serve` starts the app without looking for npm or running anything."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'serve.db'}", "SECRET_KEY": "x",
                      "JOBPLAN_POLICIES": policies})

    def refuse(*args, **kwargs):
        raise AssertionError(f"serve ran {args!r}")

    served = []
    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(shutil, "which", refuse)
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *a, **k: served.append(a[:2]))
    monkeypatch.setattr(scheduler, "start_in_process", lambda app: None)
    result = CliRunner().invoke(main, ["serve", "--port", "5999"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 5999)]


def test_item_8_the_design_systems_stylesheet_is_served_without_its_remote_fonts(app):
    """The pages load nhsuk-frontend's stylesheet less its @font-face rules (Frutiger from assets.nhs.uk): its
    stacks fall back to Arial, and no page asks another host for a font."""
    r = app.test_client().get("/assets/nhsuk-frontend.css")
    css = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/css"
    assert "assets.nhs.uk" not in css and "@font-face" not in css
    assert ".nhsuk-header" in css and "Frutiger W01,arial,sans-serif" in css
