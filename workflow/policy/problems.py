"""marshmallow's nested error messages as (path, message) pairs: ``workflows.sign_off.states.2.name``, the path a
person finds in the file (policy files) or the form (plan content)."""
from __future__ import annotations


def flatten_errors(messages, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                sub = prefix or "(top)"
                out.extend((sub, m) for m in _as_list(value))
            elif key in ("key", "value") and isinstance(value, (dict, list)) and prefix:
                out.extend(flatten_errors(value, prefix))
            else:
                out.extend(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    else:
        for m in _as_list(messages):
            if isinstance(m, (dict, list)) and not isinstance(m, str):
                out.extend(flatten_errors(m, prefix))
            else:
                out.append((prefix or "(top)", str(m)))
    return out


def _as_list(value):
    return value if isinstance(value, list) else [value]
