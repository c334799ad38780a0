"""Evidence attached to a case: a formal disagreement's evidence (002 7.8.3), an appeal's papers (7.8.8).

Limits on size and type; the bytes are kept in the database with their SHA-256; a document is never
overwritten (a corrected file is a new document). Anyone who holds a role on the case may attach and
read; nobody else learns that the case exists. Attaching is recorded in the case's audit log, with the
file's name, size and checksum, in the same transaction."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from workflow import limits
from workflow.access import dispute_chain
from workflow.actors import Actor
from workflow.errors import InvalidPayload, NotFound, PermissionDenied
from workflow.store.models import Case, Document
from workflow.store.uow import operation

MAX_DOCUMENT_BYTES = limits.DOCUMENT_BYTES
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
# What each type's first bytes must be, so a renamed executable is not accepted as a PDF.
_MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",)}


class DocumentTooLarge(InvalidPayload):
    code = "document_too_large"


def attach_document(svc, actor: Actor, case_id: int, filename: str, content_type: str, content: bytes) -> Document:
    content_type = (content_type or "").split(";")[0].strip().lower()
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(f"the file is {len(content)} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes",
                               fields={"file": ["too large"]})
    if not content:
        raise InvalidPayload("the file is empty", fields={"file": ["empty"]})
    if not filename:
        raise InvalidPayload("the file has no name", fields={"file": ["no file name"]})
    if limits.has_nul(filename):
        raise InvalidPayload("the file's name contains a NUL character (\\0)", fields={"file": ["bad file name"]})
    if content_type not in ALLOWED_TYPES:
        raise InvalidPayload(f"files of type {content_type or 'unknown'} are not accepted; accepted: "
                             f"{', '.join(sorted(ALLOWED_TYPES))}", fields={"file": ["type not accepted"]})
    magic = _MAGIC.get(content_type)
    if magic and not content.startswith(magic):
        raise InvalidPayload(f"the file's content is not {content_type}", fields={"file": ["content does not match type"]})
    with operation(svc.session):
        case = svc.lock_case(case_id)  # locked: the audit event takes the case's next number
        roles = svc.roles_on(actor, case) if case is not None else set()
        if not roles:
            raise NotFound(f"case {case_id} was not found")
        if actor.is_system:
            raise PermissionDenied("only someone with a role on the case may attach documents")
        now = svc.clock.now()
        doc = Document(case_id=case.id, filename=filename, content_type=content_type, size=len(content),
                       sha256=hashlib.sha256(content).hexdigest(), content=content,
                       uploaded_at=now, uploaded_by_id=actor.person_id)
        svc.session.add(doc)
        svc.session.flush()
        role = next(r for r in svc.policy_of(case).roles if r in roles)
        svc.record_event(case, now, "document_attached", actor, role, None, case.state, case.state,
                          {"document_id": doc.id, "filename": filename, "content_type": content_type,
                           "size": len(content), "sha256": doc.sha256}, None)
    return doc


def list_documents(svc, actor: Actor, case_id: int) -> list[Document]:
    svc.get_case(actor, case_id)
    return list(svc.session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)))


def get_document(svc, actor: Actor, case_id: int, document_id: int) -> Document:
    svc.get_case(actor, case_id)
    doc = svc.session.get(Document, document_id)
    if doc is None or doc.case_id != case_id:
        raise NotFound(f"document {document_id} of case {case_id} was not found")
    return doc


def check_payload_documents(session, case: Case, spec, values: dict) -> None:
    """A ``documents`` field names documents already attached to this case or an earlier case of the
    same dispute; anything else is refused as if it did not exist."""
    names = [f.name for f in spec.payload if f.type == "documents" and values.get(f.name)]
    if not names:
        return
    allowed = {c.id for c in dispute_chain(case)}
    problems = {}
    for name in names:
        ids = values[name]
        found = {d.id for d in session.scalars(select(Document).where(Document.id.in_(ids),
                                                                      Document.case_id.in_(allowed)))}
        missing = [i for i in ids if i not in found]
        if missing:
            problems[name] = [f"document {i} is not attached to this case" for i in missing]
    if problems:
        raise InvalidPayload("attach the documents to the case before naming them", fields=problems)
