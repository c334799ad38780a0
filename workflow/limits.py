"""How much a person may send, in one place: the service, the API's schemas (their OpenAPI maxLength and
maxItems) and the README state these numbers. Generous for real job planning, small enough that one
request cannot fill a page with megabytes or a table with thousands of rows."""
from __future__ import annotations

from workflow.errors import InvalidPayload

# Free text
REASON_CHARS = 5_000          # the reason for a step or a deadline change (kept in the audit log)
NOTE_CHARS = 2_000            # the note on a new version of a plan
PLAN_TEXT_CHARS = 4_000       # any free text inside a job plan (activity, notes, comments, objective)
PLAN_LINE_CHARS = 200         # short text inside a job plan (job title, band, specialty, times)
PAYLOAD_TEXT_CHARS = 20_000   # a step's text field whose policy sets no max_length of its own

# List sections
PLAN_LIST_ITEMS = 200         # rows in any list section of a plan: schedule, annualised work, objectives ...
PAYLOAD_DOCUMENTS = 50        # documents named by one step

# Files and requests
DOCUMENT_BYTES = 10 * 1024 * 1024       # one evidence document
STAFF_IMPORT_BYTES = 10 * 1024 * 1024   # one staff extract
STAFF_IMPORT_ROWS = 20_000              # rows of one staff extract
STAFF_FIELD_CHARS = 200                 # a cell of the staff extract
REQUEST_BYTES = 12 * 1024 * 1024        # any request body (MAX_CONTENT_LENGTH): a document and its envelope
FORM_FIELD_BYTES = 500_000              # the text fields of one form together (MAX_FORM_MEMORY_SIZE)
JSON_BODY_BYTES = 1024 * 1024           # a JSON request body
JSON_DEPTH = 32                         # nesting of objects and arrays in a JSON body
INTEGER_DIGITS = 18                     # digits of any whole number in a JSON body


def has_nul(text: str) -> bool:
    return "\x00" in text


def check_text(name: str, value: str | None, max_chars: int) -> None:
    """Refuse text that is too long, or holds a NUL character (which PostgreSQL cannot store)."""
    if value is None:
        return
    if has_nul(value):
        raise InvalidPayload(f"{name} contains a NUL character (\\0); remove it",
                             fields={name: ["must not contain a NUL character"]})
    if len(value) > max_chars:
        raise InvalidPayload(f"{name} is {len(value)} characters long; the limit is {max_chars}",
                             fields={name: [f"at most {max_chars} characters"]})
