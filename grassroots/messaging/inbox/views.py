"""The shared inbox screens: threads by status or assignee, a thread with its reply box."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core import access
from grassroots.messaging.inbox import services as inbox
from grassroots.messaging.models import InboxThread

TABS = ("open", "mine", "unassigned", "closed")


class InboxView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request):
        tab = request.GET.get("tab", "open")
        tab = tab if tab in TABS else "open"
        qs = inbox.visible_threads(request.user)
        if tab == "closed":
            qs = qs.filter(status=InboxThread.Status.CLOSED)
        else:
            qs = qs.filter(status=InboxThread.Status.OPEN)
            if tab == "mine":
                qs = qs.filter(assigned_to=request.user)
            elif tab == "unassigned":
                qs = qs.filter(assigned_to=None)
        q = request.GET.get("q", "").strip()[:100]
        if q:
            qs = qs.filter(
                Q(address__icontains=q)
                | Q(person__full_name__icontains=q)
                | Q(last_body__icontains=q)
            )
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "messaging/inbox.html",
            {"page": page, "tab": tab, "q": q, "querystring": f"tab={tab}&q={q}"},
        )


class ThreadView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def _thread(self, request, pk) -> InboxThread:
        return get_object_or_404(inbox.visible_threads(request.user), pk=pk)

    def get(self, request, pk):
        thread = self._thread(request, pk)
        inbox.thread_read(actor=request.user, thread=thread)
        return render(
            request,
            "messaging/inbox_thread.html",
            {
                "thread": thread,
                "messages_list": list(reversed(inbox.thread_messages(thread)[:100])),
                # only people who could open this conversation
                "staff": access.who_can(
                    thread,
                    get_user_model().objects.filter(is_active=True).order_by("username"),
                    "messaging.send",
                ),
            },
        )

    def post(self, request, pk):
        thread = self._thread(request, pk)
        action = request.POST.get("action", "reply")
        try:
            if action == "assign":
                user = get_user_model().objects.filter(pk=request.POST.get("user") or 0).first()
                inbox.thread_assign(actor=request.user, thread=thread, user=user)
                flash.success(request, _("Assigned."))
            elif action in ("open", "closed"):
                inbox.thread_set_status(actor=request.user, thread=thread, status=action)
                flash.success(request, _("Closed.") if action == "closed" else _("Reopened."))
                if action == "closed":
                    return redirect("messaging:inbox")
            else:
                message = inbox.thread_reply(
                    actor=request.user, thread=thread, body=request.POST.get("body", "")
                )
                if message.status not in ("sent", "delivered"):
                    flash.warning(
                        request,
                        _("Not sent now: %(reason)s")
                        % {"reason": message.status_reason or message.get_status_display()},
                    )
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        return redirect("messaging:inbox_thread", thread.pk)


class SuppressionView(CapabilityRequiredMixin, View):
    """The suppression list: search, add by hand, remove."""

    capability = "messaging.send"

    def get(self, request):
        from grassroots.messaging.models import Channel, Suppression

        q = request.GET.get("q", "").strip()[:100]
        qs = Suppression.objects.visible_to(request.user).select_related("person")
        if not getattr(request.user, "sees_everything", False):
            from grassroots.people.selectors import person_visible_to

            qs = qs.filter(person__in=person_visible_to(request.user).values("pk"))
        if q:
            qs = qs.filter(Q(address__icontains=q) | Q(person__full_name__icontains=q))
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "messaging/suppressions.html",
            {"page": page, "q": q, "querystring": f"q={q}", "channels": Channel.choices},
        )

    def post(self, request):
        from grassroots.messaging.models import Suppression
        from grassroots.messaging.replies import suppressions

        try:
            if request.POST.get("remove"):
                sup = get_object_or_404(
                    Suppression.objects.visible_to(request.user), pk=request.POST["remove"]
                )
                suppressions.suppression_remove(actor=request.user, suppression=sup)
                flash.success(request, _("Removed from the list."))
            else:
                suppressions.suppression_add(
                    actor=request.user,
                    channel=request.POST.get("channel", ""),
                    address=request.POST.get("address", "")[:254],
                )
                flash.success(request, _("Added to the list."))
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        return redirect("messaging:suppressions")
