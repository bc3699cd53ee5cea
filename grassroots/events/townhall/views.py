"""Town hall screens: an attendee asks (through their ticket), staff moderate, and anyone reads
the answered questions afterwards."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from grassroots.events.checkin import selectors as checkin_selectors
from grassroots.events.checkin import services as checkin
from grassroots.events.townhall import services
from grassroots.events.townhall.models import EventQuestion


class AskView(View):
    def post(self, request, token):
        reg = checkin.ticket_get(token)
        try:
            services.question_submit(registration=reg, text=request.POST.get("text", ""))
        except ValidationError as exc:
            return render(
                request,
                "events/townhall/ask.html",
                {
                    "registration": reg,
                    "event": reg.event,
                    "questions_open": services.accepts_questions(reg.event),
                    "my_questions": services.questions_of(reg),
                    "ask_error": " ".join(exc.messages),
                    "ask_text": request.POST.get("text", ""),
                },
                status=400,
            )
        messages.success(request, _("Thank you: your question is sent to the moderators."))
        return redirect(reverse("events:rsvp_page", args=[token]) + "#ask")


class ModerateView(View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_capability(services.MANAGE):
            raise PermissionDenied
        self.event = checkin_selectors.event_for_checkin(
            actor=request.user, public_id=kwargs["public_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, public_id):
        status = request.GET.get("status", "")
        return render(
            request,
            "events/townhall/moderate.html",
            {
                "event": self.event,
                "questions": services.questions_for_moderation(
                    actor=request.user, event=self.event, status=status
                ),
                "status": status,
                "statuses": EventQuestion.Status.choices,
            },
        )

    def post(self, request, public_id):
        question = services.question_get(
            actor=request.user, event=self.event, pk=int(request.POST.get("question") or 0)
        )
        try:
            services.question_moderate(
                actor=request.user, question=question, action=request.POST.get("action", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        url = reverse("events:questions", args=[public_id])
        if request.GET.get("status"):
            url += "?status=" + request.GET["status"]
        return redirect(url)


class AnsweredView(View):
    def get(self, request, public_id):
        event = services.public_town_hall(public_id)
        return render(
            request,
            "events/townhall/answered.html",
            {"event": event, "questions": services.answered_public(event)},
        )
