"""Write audit records. Services call ``audit.record`` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from grassroots.core import access
from grassroots.core.models import AuditEvent


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    user = access.user_or_none(actor)
    return AuditEvent.objects.create(
        actor=user,
        actor_label=(user.get_username() if user is not None else "system")[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:255] if obj is not None else "",
        detail=detail or {},
        ip_address=ip_address,
    )
