"""A report: a title, the as-of instant, ordered columns (key, label) and rows of plain values."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Report:
    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    page: int | None = None   # a paged report: this page (1 is the first), and whether another follows
    more: bool = False

    @property
    def keys(self) -> list[str]:
        return [k for k, _ in self.columns]

    def as_dicts(self) -> list[dict]:
        return [{k: r.get(k) for k in self.keys} for r in self.rows]
