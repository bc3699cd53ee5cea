"""The "Messages" panel on a person's page: recent messages in and out, and a send box."""

from __future__ import annotations

from grassroots.messaging import selectors
from grassroots.messaging.models import Channel, Enrollment, Suppression


def person_panel(request, person) -> dict | None:
    user = request.user
    if not user.has_capability("people.view"):
        return None
    addresses = {cp.value for cp in person.contact_points.all()}
    return {
        "messages": selectors.person_messages(person, 10),
        "can_send": user.has_capability("messaging.send"),
        "channels": Channel.choices,
        "suppressions": list(Suppression.objects.filter(address__in=addresses)),
        "enrollments": list(
            Enrollment.objects.filter(person=person).select_related("automation")[:10]
        ),
    }
