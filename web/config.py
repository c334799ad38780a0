"""Settings from environment variables with safe defaults, validated at start-up."""
from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow import limits

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TIMEZONE = "Europe/London"  # the trust calendar's zone when JOBPLAN_TIMEZONE is unset


def from_environment(instance_path: str) -> dict:
    inst = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": _database_url(os.environ.get("DATABASE_URL") or f"sqlite:///{inst / 'jobplan.db'}"),
        "JOBPLAN_MAIL_DIR": os.environ.get("JOBPLAN_MAIL_DIR") or str(inst / "mail"),
        "JOBPLAN_POLICY_DIR": os.environ.get("JOBPLAN_POLICY_DIR") or str(PROJECT_ROOT / "policies"),
        "JOBPLAN_BASE_URL": os.environ.get("JOBPLAN_BASE_URL", "http://localhost:5000"),
        "JOBPLAN_TIMEZONE": os.environ.get("JOBPLAN_TIMEZONE") or DEFAULT_TIMEZONE,
        "JOBPLAN_SMTP_HOST": os.environ.get("JOBPLAN_SMTP_HOST"),
        "JOBPLAN_SMTP_PORT": int(os.environ.get("JOBPLAN_SMTP_PORT", "25")),
        "JOBPLAN_SMTP_USER": os.environ.get("JOBPLAN_SMTP_USER"),
        "JOBPLAN_SMTP_PASSWORD": os.environ.get("JOBPLAN_SMTP_PASSWORD"),
        "JOBPLAN_SMTP_STARTTLS": os.environ.get("JOBPLAN_SMTP_STARTTLS", "0") == "1",
        "JOBPLAN_MAIL_FROM": os.environ.get("JOBPLAN_MAIL_FROM", "job-planning@localhost"),
        "JOBPLAN_SWEEP_SECONDS": int(os.environ.get("JOBPLAN_SWEEP_SECONDS", "60")),
        "JOBPLAN_MAIL_SECONDS": int(os.environ.get("JOBPLAN_MAIL_SECONDS", "30")),
        "JOBPLAN_DEMO": os.environ.get("JOBPLAN_DEMO", "0") == "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Cookies: Secure unless JOBPLAN_INSECURE_HTTP=1 (plain-http embedded use on a trusted network) or testing.
        "JOBPLAN_INSECURE_HTTP": os.environ.get("JOBPLAN_INSECURE_HTTP", "0") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": limits.REQUEST_BYTES,  # a 10 MB document plus the multipart envelope; more is a 413
        "MAX_FORM_MEMORY_SIZE": limits.FORM_FIELD_BYTES,  # a form's text fields; more is a 413
        # A sign-in ends after this long without a request, and after this long in any case.
        "JOBPLAN_SESSION_IDLE_MINUTES": int(os.environ.get("JOBPLAN_SESSION_IDLE_MINUTES", "30")),
        "JOBPLAN_SESSION_MAX_HOURS": int(os.environ.get("JOBPLAN_SESSION_MAX_HOURS", "12")),
        "JOBPLAN_LOGIN_RATE": os.environ.get("JOBPLAN_LOGIN_RATE", "10 per minute"),
        # Where the login rate limit counts: memory:// (one process) or a store shared by every worker,
        # e.g. redis://host:6379/0 (pip install 'jobplan[redis]').
        "RATELIMIT_STORAGE_URI": os.environ.get("JOBPLAN_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("JOBPLAN_RATELIMIT_KEY_PREFIX", "jobplan"),
        "JOBPLAN_METRICS_TOKEN": os.environ.get("JOBPLAN_METRICS_TOKEN"),
        "JOBPLAN_LOG_FORMAT": os.environ.get("JOBPLAN_LOG_FORMAT", "text"),
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: trust none, the
        # header is then the client's own word). Behind one nginx: 1. The login rate limit keys on the
        # address this yields, and HSTS follows the scheme the proxy reports.
        "JOBPLAN_TRUSTED_PROXIES": os.environ.get("JOBPLAN_TRUSTED_PROXIES", "0"),
        "JOBPLAN_OIDC_ISSUER": os.environ.get("JOBPLAN_OIDC_ISSUER"),
        "JOBPLAN_OIDC_CLIENT_ID": os.environ.get("JOBPLAN_OIDC_CLIENT_ID"),
        "JOBPLAN_OIDC_CLIENT_SECRET": os.environ.get("JOBPLAN_OIDC_CLIENT_SECRET"),
    }


def _database_url(url: str) -> str:
    """Accept the usual ``postgres://`` and ``postgresql://`` spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def validate(config: dict) -> None:
    problems = []
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        problems.append("DATABASE_URL is empty")
    if not Path(config["JOBPLAN_POLICY_DIR"]).is_dir():
        problems.append(f"JOBPLAN_POLICY_DIR {config['JOBPLAN_POLICY_DIR']} is not a folder")
    for key, unit in (("JOBPLAN_SWEEP_SECONDS", "seconds"), ("JOBPLAN_MAIL_SECONDS", "seconds"),
                      ("JOBPLAN_SESSION_IDLE_MINUTES", "minutes"), ("JOBPLAN_SESSION_MAX_HOURS", "hours")):
        if int(config.get(key) or 0) < 1:
            problems.append(f"{key} must be a whole number of {unit}, 1 or more")
    if not str(config.get("JOBPLAN_TRUSTED_PROXIES", "0")).strip().isdigit():
        problems.append("JOBPLAN_TRUSTED_PROXIES must be a whole number of proxy hops, 0 or more")
    if config.get("JOBPLAN_LOG_FORMAT", "text") not in ("text", "json"):
        problems.append("JOBPLAN_LOG_FORMAT must be text or json")
    try:
        ZoneInfo(config.get("JOBPLAN_TIMEZONE") or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"JOBPLAN_TIMEZONE {config.get('JOBPLAN_TIMEZONE')!r} is not a known time zone (e.g. Europe/London)")
    if problems:
        raise RuntimeError("configuration: " + "; ".join(problems))
