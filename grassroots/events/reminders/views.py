"""The public answers to a reminder's links: confirm or cancel (GET asks, POST acts, so a mail
scanner that opens links changes nothing), and the "how did it go" rating."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views import View

from grassroots.core.exceptions import Conflict
from grassroots.events.reminders import services

TEMPLATE = "events/reminders/link.html"


def _error(request, exc, status):
    return render(request, TEMPLATE, {"error": " ".join(exc.messages)}, status=status)


class ReminderLinkView(View):
    def _read(self, request, token):
        try:
            return services.link_read(token), None
        except Http404 as exc:
            return None, render(request, TEMPLATE, {"error": str(exc)}, status=404)
        except ValidationError as exc:
            return None, _error(request, exc, 400)

    def get(self, request, token):
        found, answer = self._read(request, token)
        if answer is not None:
            return answer
        log, action = found
        reg = log.registration
        return render(
            request,
            TEMPLATE,
            {"action": action, "registration": reg, "event": reg.event, "token": token,
             "ratings": range(1, 6)},
        )  # fmt: skip

    def post(self, request, token):
        found, answer = self._read(request, token)
        if answer is not None:
            return answer
        log, action = found
        reg = log.registration
        ctx = {"action": action, "registration": reg, "event": reg.event, "token": token,
               "ratings": range(1, 6)}  # fmt: skip
        try:
            if action == "rate":
                reg = services.rating_record(
                    value=token,
                    rating=request.POST.get("rating"),
                    comment=request.POST.get("comment", ""),
                )
                return render(request, TEMPLATE, {**ctx, "registration": reg, "done": "rated"})
            reg, outcome = services.link_follow(value=token)
        except Conflict as exc:
            return render(request, TEMPLATE, {**ctx, "error": " ".join(exc.messages)}, status=409)
        except ValidationError as exc:
            errors = getattr(exc, "message_dict", None) or {"": exc.messages}
            return render(
                request,
                TEMPLATE,
                {**ctx, "form_error": " ".join(m for ms in errors.values() for m in ms),
                 "comment": request.POST.get("comment", "")},
                status=400,
            )  # fmt: skip
        return render(request, TEMPLATE, {**ctx, "registration": reg, "done": outcome})
