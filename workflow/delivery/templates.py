"""Plain-text and HTML bodies of one email, and the iCalendar invitation some of them carry.

A message is a headline (what happened or what is due), a few detail lines, and the case summary
(which case, what is due by when, who waits on whom, what to do next, the link). Every piece of text is
escaped in HTML; links are made only from the case URL we built ourselves."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape

import icalendar


@dataclass
class Body:
    headline: str
    details: list[str] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    link: str | None = None

    def lines(self) -> list[str]:
        out = [self.headline, *self.details, ""]
        out += [f"{label}: {value}" for label, value in self.summary]
        if self.link:
            out.append(f"Open the case: {self.link}")
        return out


def render_text(body: Body) -> str:
    return "\n".join(body.lines()).rstrip() + "\n"


def render_html(body: Body) -> str:
    rows = "".join(f"<tr><th align=\"left\" valign=\"top\">{escape(label)}</th><td>{escape(value)}</td></tr>"
                   for label, value in body.summary)
    details = "".join(f"<p>{escape(line)}</p>" for line in body.details)
    link = (f"<p><a href=\"{escape(body.link, quote=True)}\">Open the case</a></p>" if body.link else "")
    return ("<!DOCTYPE html><html><body>"
            f"<p><strong>{escape(body.headline)}</strong></p>{details}"
            f"<table cellpadding=\"4\">{rows}</table>{link}</body></html>")


def render_digest(parts: list[tuple[str, str, str]]) -> tuple[str, str]:
    """One text and one HTML body from several messages: (subject, text, html) each."""
    text = [f"Your job planning digest: {len(parts)} message{'s' if len(parts) != 1 else ''}.", ""]
    html = [f"<!DOCTYPE html><html><body><p><strong>Your job planning digest: {len(parts)} "
            f"message{'s' if len(parts) != 1 else ''}.</strong></p>"]
    for subject, body_text, body_html in parts:
        text += ["=" * 70, subject, "", body_text.rstrip(), ""]
        inner = body_html or f"<pre>{escape(body_text)}</pre>"
        inner = inner.replace("<!DOCTYPE html><html><body>", "").replace("</body></html>", "")
        html.append(f"<hr><h3>{escape(subject)}</h3>{inner}")
    html.append("</body></html>")
    return "\n".join(text).rstrip() + "\n", "".join(html)


def invitation_ics(*, uid: str, sequence: int, start: datetime, summary: str, description: str, url: str,
                   organizer: str, attendees: list[str], stamp: datetime, minutes: int = 60,
                   location: str | None = None) -> str:
    """A METHOD:REQUEST invitation. ``uid`` is stable per case and meeting, so a re-scheduled meeting
    (a higher ``sequence``) replaces the earlier invitation in the recipient's calendar."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//jobplan//job planning//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    ev = icalendar.Event()
    ev.add("uid", uid)
    ev.add("sequence", sequence)
    start = start.astimezone(timezone.utc)  # UTC: every calendar reads it the same, with no VTIMEZONE
    ev.add("dtstamp", stamp.astimezone(timezone.utc))
    ev.add("dtstart", start)
    ev.add("dtend", start + timedelta(minutes=minutes))
    ev.add("summary", summary)
    ev.add("description", description)
    ev.add("url", url)
    if location:
        ev.add("location", location)
    ev.add("organizer", icalendar.vCalAddress(f"mailto:{organizer}"))
    for address in attendees:
        att = icalendar.vCalAddress(f"mailto:{address}")
        att.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
        att.params["RSVP"] = icalendar.vText("TRUE")
        ev.add("attendee", att, encode=0)
    cal.add_component(ev)
    return cal.to_ical().decode()
