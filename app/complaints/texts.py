"""What the 12345 domain writes for people to read, kept as a kind and parameters, rendered for the reader.

The timeline's summaries, the notes the system adds to it (routed by a rule, split from another
complaint, a deadline missed) and the routing explanation staff see are stored as data — a kind
and its parameters, names in every language — and put into words only when someone reads them, in
that reader's language. Pure functions: no database, no services.
"""

from __future__ import annotations

from datetime import datetime

from babel.lists import format_list
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l

from app.core.i18n import current_locale, pick

EVENT_SUMMARIES = {
    "submitted": _l("Your request was received."),
    "dispatched": _l("Your request was passed to %(department)s."),
    "accepted": _l("The department has taken on your request."),
    "in_progress": _l("Work on your request has started."),
    "resolved": _l("The department has answered your request."),
    "rated": _l("Thank you for your rating. The request is closed."),
    "reopened": _l("Your request was reopened for rework."),
    "closed": _l("Closed after 7 days without a rating."),
    "merged": _l("Your request is handled together with %(number)s."),
    "duplicate_merged": _l("A similar request was merged into this one."),
    "split": _l("Your request was split into %(count)s parts."),
    "sent_back": _l("The department returned the request to the hotline for re-dispatch."),
    "extension_requested": _l("The department asked for more time."),
    "extension_approved": _l("The deadline was extended."),
    "extension_refused": _l("An extension was refused."),
    "dispatch_overdue": _l("The dispatch deadline was missed."),
    "feedback_overdue": _l("The reply deadline was missed."),
}

MATCHED = {
    "category": _l("category %(value)s"),
    "district": _l("district %(value)s"),
    "street": _l("street %(value)s"),
    "keyword": _l("keyword “%(value)s”"),
}
CLOCKS = {"dispatch": _l("dispatch"), "feedback": _l("reply")}


def event_summary(kind: str, params: dict, locale: str | None = None) -> str:
    """A timeline step in the reader's language."""
    template = EVENT_SUMMARIES.get(kind)
    if template is None:
        return kind
    values = dict(params or {})
    if isinstance(values.get("department"), dict):  # the department's name in every language
        values["department"] = pick(values["department"], locale)
    elif "department_zh" in values:  # steps written before names were kept in three languages
        values["department"] = (
            values["department_en"] if current_locale() == "en" else values["department_zh"]
        )
    text = str(template)
    return text % values if "%(" in text else text


def routing_explanation(routing: dict | None) -> str:
    """Why the complaint went where it went, as staff read it."""
    if not routing:
        return ""
    if "legacy" in routing:  # explained in words before routing was kept as data
        return routing["legacy"]
    if routing.get("queue") == "dispatcher":
        return gettext("No rule matched: the dispatchers' queue.")
    parts = [str(MATCHED[kind]) % {"value": value} for kind, value in routing.get("matched", [])]
    matched = format_list(parts, locale=current_locale()) if parts else ""
    return gettext(
        "Rule %(number)s “%(name)s” (%(matched)s) → %(department)s",
        number=routing["rule"],
        name=routing.get("rule_name", ""),
        matched=matched,
        department=pick(routing.get("department") or {}) or routing.get("department_code", ""),
    )


def attachment(attached: dict | None) -> dict | None:
    """What another domain attached to a complaint, with its labels in the reader's language."""
    if not attached:
        return None
    return {
        "kind": attached.get("kind", ""),
        "reference": attached.get("reference", ""),
        "title": pick(attached.get("title") or {}),
        "facts": [
            {"label": pick(label), "value": pick(value) if isinstance(value, dict) else value}
            for label, value in attached.get("facts", [])
        ],
    }


def system_note(note: dict | None) -> str:
    """A note the system added to a timeline step, as staff read it."""
    if not note:
        return ""
    kind = note.get("kind")
    if kind == "routed":
        return routing_explanation(note.get("routing"))
    if kind == "district_default":
        return gettext("Ownership unclear: the district's default department.")
    if kind == "split_from":
        return gettext("Split from %(number)s.", number=note["number"])
    if kind == "merged_in":
        return gettext("%(number)s was merged into this request.", number=note["number"])
    if kind == "deadline_missed":
        due = datetime.fromisoformat(note["due_at"])
        return gettext(
            "The %(clock)s deadline of %(due)s was missed.",
            clock=str(CLOCKS.get(note.get("clock"), note.get("clock", ""))),
            due=format_datetime(due, "short"),
        )
    return ""
