"""Every clause a policy cites is in its source: a number the source numbers, a range of two such numbers,
or the words of one of its headings ("Stage 3", "Managers check-list").

The index of each source's clauses (source_clauses.json) is built from the seed documents by
docs/build_source_index.py and committed, because the seeds are not part of this repository. A part may
name another source by its three-digit prefix ("002 7.8.8" in the dental policy); a ``local_choice`` that
borrows a limit names its clause the same way, and is checked too.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

_NUMBER = re.compile(r"^\d+(?:\.\d+)*[a-z]?$")
_RANGE = re.compile(r"^(\d+(?:\.\d+)*[a-z]?)\s*[-–]\s*(\d+(?:\.\d+)*[a-z]?)$")
_PREFIXED = re.compile(r"^(\d{3})\s+(\S.*)$")
_IN_PROSE = re.compile(r"\b(\d{3}) (\d+(?:\.\d+)*[a-z]?)\b")


@lru_cache(maxsize=1)
def source_index() -> dict[str, dict[str, frozenset[str] | tuple[str, ...]]]:
    raw = json.loads((Path(__file__).with_name("source_clauses.json")).read_text(encoding="utf-8"))
    return {doc: {"numbers": frozenset(v["numbers"]), "order": tuple(v["numbers"]), "headings": tuple(v["headings"])}
            for doc, v in raw.items()}


def _document(prefix: str) -> str | None:
    return next((doc for doc in source_index() if doc.startswith(prefix + "_")), None)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[#*]", " ", text).split()).strip(" .:").lower()


def clause_problem(part: str, document: str) -> str | None:
    """Why ``part`` (one clause reference, no commas) is not a clause of ``document``; None when it is."""
    part = part.strip()
    m = _PREFIXED.match(part)
    if m and _document(m.group(1)):
        document, part = _document(m.group(1)), m.group(2).strip()
    index = source_index().get(document)
    if index is None:
        return f"cites {document!r}, which has no clause index (docs/build_source_index.py builds it from the seeds)"
    numbers = index["numbers"]
    r = _RANGE.match(part)
    if r:
        bad = [n for n in r.groups() if n not in numbers]
        return None if not bad else _not_in(bad[0], document, index)
    if _NUMBER.match(part):
        return None if part in numbers else _not_in(part, document, index)
    words = _words(part)
    if words and any(re.search(rf"(?<!\w){re.escape(words)}(?!\w)", h) for h in index["headings"]):
        return None
    return f"clause {part!r} is not a heading of {document}: cite a numbered clause or a heading's words"


def _not_in(number: str, document: str, index) -> str:
    order = index["order"]
    span = f" (it numbers {order[0]} to {order[-1]})" if order else " (it has no numbered clauses: cite a heading)"
    return f"clause {number!r} is not in {document}{span}"


def check_clause_refs(data: dict) -> list[tuple[str, str]]:
    """(path, problem) for every ``clause:`` and every reference inside a ``local_choice:`` that is not in its source."""
    document = data["source"]["document"]
    problems: list[tuple[str, str]] = []
    stack: list[tuple[object, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                p = f"{path}.{k}" if path else str(k)
                if k == "clause" and isinstance(v, str):
                    problems.extend((p, msg) for part in re.split(r"[,;]", v) if part.strip()
                                    for msg in [clause_problem(part, document)] if msg)
                elif k == "local_choice" and isinstance(v, str):
                    for prefix, number in _IN_PROSE.findall(v):
                        if _document(prefix):
                            msg = clause_problem(f"{prefix} {number}", document)
                            if msg:
                                problems.append((p, msg))
                else:
                    stack.append((v, p))
        elif isinstance(value, list):
            stack.extend((v, f"{path}.{i}") for i, v in enumerate(value))
    return sorted(problems)
