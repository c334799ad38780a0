"""A letter as an A4 PDF (WeasyPrint): the trust's name at the head, the letter, page numbers at the foot.
Nothing is fetched while rendering: the letter has no external resources, and the fetcher refuses any."""
from __future__ import annotations

from jinja2 import Environment, StrictUndefined

CSS = """
@page { size: A4; margin: 22mm 20mm 24mm 20mm;
  @top-left { content: string(trust); font: 9pt Arial, sans-serif; color: #4c6272; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 9pt Arial, sans-serif; } }
body { font: 11pt/1.45 Arial, "Liberation Sans", sans-serif; color: #212b32; }
.trust { string-set: trust content(); font-weight: bold; }
h1 { font-size: 15pt; margin: 14pt 0 8pt; }
.quote { border-left: 4pt solid #005eb8; padding-left: 8pt; white-space: pre-wrap; }
.ref { color: #4c6272; }
"""

SHELL = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><p class="trust">{{ trust }}</p>{{ body }}</body></html>"""

_env = Environment(autoescape=True, undefined=StrictUndefined)


def render(title: str, trust: str, body_html) -> bytes:
    """``body_html``: markup already escaped (a ``markupsafe.Markup`` from an autoescaping template)."""
    from weasyprint import CSS as Stylesheet, HTML

    html = _env.from_string(SHELL).render(title=title, trust=trust, body=body_html)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf(stylesheets=[Stylesheet(string=CSS)])


def body(template: str, **values):
    """A letter's body from an autoescaping template: every value entered by a person is escaped."""
    from markupsafe import Markup

    return Markup(_env.from_string(template).render(**values))


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"a letter loads nothing from outside ({url})")
