"""``{% ticket_extras reg %}``: on an attendee's sign-up page, the QR code the host scans and,
for a town hall, the question form (events-engage)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("events/checkin/_ticket_extras.html", takes_context=True)
def ticket_extras(context, registration):
    from grassroots.events.townhall import services as townhall

    return {
        "registration": registration,
        "event": registration.event,
        "questions_open": townhall.accepts_questions(registration.event),
        "my_questions": townhall.questions_of(registration),
        "csrf_token": context.get("csrf_token"),
        "ask_error": context.get("ask_error", ""),
        "ask_text": context.get("ask_text", ""),
    }
