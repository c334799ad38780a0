"""The case a step locks, read with its practitioner and manager in one Core statement.

Every step starts here (``JobPlanning.lock_case``). The ORM's joined eager load of the same three rows built
its row processors anew on every call, which measured as a quarter of a step's Python time
(``bench/engine_overhead.py --profile``); here the statement is compiled once and the three objects are made
from its row, as ``rows.insert_case`` makes a new case: as if loaded (no history, nothing to flush). An object
the session holds already is given the stored values, as ``populate_existing`` would."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from workflow.store.models import Case, Person

_case = Case.__table__
_subject = Person.__table__.alias("lock_subject")
_manager = Person.__table__.alias("lock_manager")
_CASE_KEYS = tuple(p.key for p in Case.__mapper__.column_attrs)
_PERSON_KEYS = tuple(p.key for p in Person.__mapper__.column_attrs)


_LOCK = (select(*[_case.c[k] for k in _CASE_KEYS],
         *[_subject.c[k].label(f"s_{k}") for k in _PERSON_KEYS],
         *[_manager.c[k].label(f"m_{k}") for k in _PERSON_KEYS])
         .select_from(_case.join(_subject, _subject.c.id == _case.c.subject_id)
                      .outerjoin(_manager, _manager.c.id == _case.c.manager_id))
         .where(_case.c.id == bindparam("id")).with_for_update(of=_case))


def lock_case(session: Session, case_id: int) -> Case | None:
    """The case, locked for the caller's transaction (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
    holds the write lock), its ``subject`` and ``manager`` set; None when there is no such case."""
    row = session.connection().execute(_LOCK, {"id": case_id}).one_or_none()
    if row is None:
        return None
    values = row._mapping
    subject = _as_loaded(session, Person, {k: values[f"s_{k}"] for k in _PERSON_KEYS})
    manager = (_as_loaded(session, Person, {k: values[f"m_{k}"] for k in _PERSON_KEYS})
               if values["m_id"] is not None else None)
    case = _as_loaded(session, Case, {k: values[k] for k in _CASE_KEYS})
    for key, person in (("subject", subject), ("manager", manager)):
        if key not in case.__dict__:
            set_committed_value(case, key, person)
    return case


def _as_loaded(session: Session, cls, values: dict):
    """The session's object for this row: the one it holds (what it has not loaded is filled in), or a new one
    as if loaded."""
    obj = session.identity_map.get(session.identity_key(cls, (values["id"],)))
    if obj is not None:
        loaded = obj.__dict__
        for key, value in values.items():
            if key not in loaded:
                set_committed_value(obj, key, value)
        return obj
    obj = cls.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
