"""The automation screens: list, the sequence editor, the people in an automation."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.lists import selectors as list_selectors
from grassroots.messaging.automations import registry
from grassroots.messaging.automations import services as automations
from grassroots.messaging.models import (
    Automation,
    Enrollment,
)
from grassroots.messaging.views import PAGE_SIZE, validation_errors
from grassroots.people import selectors as people_selectors

# --- automations -------------------------------------------------------------------------------


class AutomationListView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request):
        qs = (
            Automation.objects.visible_to(request.user)
            .annotate(
                running=Count(
                    "enrollments", filter=Q(enrollments__status__in=["active", "waiting"])
                ),
                finished=Count("enrollments", filter=Q(enrollments__status="done")),
            )
            .prefetch_related("steps")
            .order_by("name", "id")
        )
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        labels = automations.trigger_events()
        for a in page.object_list:  # each trigger with its label from the event catalogue
            a.trigger_list = [
                {**t, "label": labels.get(t.get("event"), t.get("event"))}
                for t in a.triggers
                if isinstance(t, dict)
            ]
        return render(request, "messaging/automation_list.html", {"page": page, "querystring": ""})


def _editor_state(automation: Automation | None, triggers=None, steps=None) -> dict:
    triggers = triggers if triggers is not None else (automation.triggers if automation else [])
    if steps is None:
        steps = (
            [{"kind": s.kind, "key": s.key, "params": s.params} for s in automation.steps.all()]
            if automation
            else []
        )
    by_event = {t.get("event"): t for t in triggers if isinstance(t, dict)}
    return {
        "steps": steps if isinstance(steps, list) else [],
        "defaults": registry.editor_defaults(),
        "triggers": {
            "created": {
                "on": "person.created" in by_event,
                "via": by_event.get("person.created", {}).get("via", ""),
            },
            "tagged": {
                "on": "tag.applied" in by_event,
                "tag": by_event.get("tag.applied", {}).get("tag", ""),
            },
            "keyword": {
                "on": "message.received" in by_event,
                "keyword": by_event.get("message.received", {}).get("keyword", ""),
            },
            "segment": {
                "on": "segment.entered" in by_event,
                "segment": str(by_event.get("segment.entered", {}).get("segment", "")),
            },
            # every other event about a person in the catalogue (RSVPs, donations…)
            "others": {name: name in by_event for name in _other_triggers()},
        },
    }


def _other_triggers() -> dict[str, str]:
    return {k: v for k, v in automations.trigger_events().items() if k not in automations.DETAILED}


class AutomationEditView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def _render(self, request, automation, data, state, errors, status=200):
        return render(
            request,
            "messaging/automation_form.html",
            {
                "automation": automation,
                "data": data,
                "state": state,
                "errors": errors,
                "other_triggers": _other_triggers(),
                "segments": list_selectors.segment_visible_to(request.user)[:300],
                # the kinds of step, and what each one's editor needs (templates, lists…)
                **registry.editor_context(request.user),
            },
            status=status,
        )

    def get(self, request, pk=None):
        automation = (
            get_object_or_404(Automation.objects.visible_to(request.user), pk=pk) if pk else None
        )
        data = {
            "name": automation.name if automation else "",
            "description": automation.description if automation else "",
            "active": automation.active if automation else False,
        }
        return self._render(request, automation, data, _editor_state(automation), {})

    def post(self, request, pk=None):
        import json

        automation = (
            get_object_or_404(Automation.objects.visible_to(request.user), pk=pk) if pk else None
        )
        data = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", "")[:2000],
            "active": bool(request.POST.get("active")),
        }
        try:
            triggers = json.loads(request.POST.get("triggers") or "[]")
            steps = json.loads(request.POST.get("steps") or "[]")
        except ValueError:
            triggers, steps = [], []
        try:
            automation = automations.automation_save(
                actor=request.user,
                automation=automation,
                name=data["name"],
                description=data["description"],
                triggers=triggers,
                steps=steps,
                active=data["active"],
            )
        except ValidationError as exc:
            return self._render(
                request, automation, data, _editor_state(automation, triggers, steps),
                validation_errors(exc), 400,
            )  # fmt: skip
        flash.success(request, _("Automation saved."))
        return redirect("messaging:automation_edit", automation.pk)


class AutomationPeopleView(CapabilityRequiredMixin, View):
    """Each person's way through the automation: where they are, what happened, when next."""

    capability = "messaging.send"

    def get(self, request, pk):
        automation = get_object_or_404(Automation.objects.visible_to(request.user), pk=pk)
        visible = people_selectors.person_visible_to(request.user).values("pk")
        qs = automation.enrollments.filter(person__in=visible).select_related("person")
        status = request.GET.get("status", "")
        if status in Enrollment.Status.values:
            qs = qs.filter(status=status)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        steps = {s.key: s for s in automation.steps.all()}
        for e in page.object_list:
            e.next_step = steps.get(e.step_key)
        return render(
            request,
            "messaging/automation_people.html",
            {
                "automation": automation,
                "page": page,
                "status": status,
                "statuses": Enrollment.Status.choices,
                "querystring": f"status={status}",
            },
        )


# 1×1 transparent GIF
