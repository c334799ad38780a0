"""Where a page may send the browser after signing in: only a path on this site. Every redirect whose
target comes from the request (``?next=``, the OpenID Connect round trip) goes through ``same_site_path``."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Browsers drop tab, CR and LF from a URL and read a backslash as a slash, so "/\t/evil" and "/\\evil"
# both lead off-site. Refused: a raw control character, space or backslash; a percent-encoded control
# character; and a path that, once decoded, begins with "//" or "/\\" (read as another host).
_RAW_REFUSED = re.compile(r"[\x00-\x20\x7f\\]")
_DECODED_REFUSED = re.compile(r"[\x00-\x1f\x7f]")
MAX_LENGTH = 2000


def same_site_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/cases/3?tab=plan``), else None."""
    if not target or len(target) > MAX_LENGTH:
        return None
    decoded = unquote(target)
    if _RAW_REFUSED.search(target) or _DECODED_REFUSED.search(decoded):
        return None
    if not target.startswith("/") or decoded.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
