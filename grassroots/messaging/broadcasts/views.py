"""The broadcast screens: list, create, detail, live stats, actions (test send, start, pause,
resume, cancel)."""

from __future__ import annotations

import urllib.parse

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.lists import selectors as list_selectors
from grassroots.messaging import selectors, services
from grassroots.messaging.broadcasts import abtests
from grassroots.messaging.broadcasts import services as broadcasts
from grassroots.messaging.broadcasts.forms import BroadcastForm
from grassroots.messaging.models import (
    Broadcast,
    Template,
)
from grassroots.messaging.views import PAGE_SIZE, validation_errors

# --- broadcasts --------------------------------------------------------------------------------


class BroadcastListView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request):
        q = request.GET.get("q", "").strip()[:100]
        qs = Broadcast.objects.visible_to(request.user).select_related(
            "template", "person_list", "segment"
        )
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(template__name__icontains=q))
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        sent = [b for b in page.object_list if b.status != "draft"]
        stats = broadcasts.broadcast_stats_many(sent)
        for b in page.object_list:
            b.stats = stats.get(b.pk)
        return render(
            request,
            "messaging/broadcast_list.html",
            {"page": page, "q": q, "querystring": f"q={urllib.parse.quote(q)}"},
        )


class BroadcastCreateView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request):
        initial = {}
        if request.GET.get("segment"):
            initial["audience"] = f"segment:{request.GET['segment']}"
        if request.GET.get("template"):
            initial["template"] = request.GET["template"]
        form = BroadcastForm(actor=request.user, initial=initial)
        return self._render(request, form)

    def _render(self, request, form):
        return render(
            request,
            "messaging/broadcast_form.html",
            {"form": form, "has_templates": Template.objects.visible_to(request.user).exists()},
        )

    def post(self, request):
        form = BroadcastForm(request.POST, actor=request.user)
        if not form.is_valid():
            return self._render(request, form)
        kind, _sep, pk = form.cleaned_data["audience"].partition(":")
        segment = person_list = None
        if kind == "segment":
            segment = list_selectors.segment_visible_to(request.user).filter(pk=pk).first()
        elif kind == "list":
            person_list = list_selectors.list_visible_to(request.user).filter(pk=pk).first()
        try:
            broadcast = broadcasts.broadcast_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                template=form.cleaned_data["template"],
                segment=segment,
                person_list=person_list,
                account=form.cleaned_data["account"],
                scheduled_at=form.cleaned_data["scheduled_at"],
                expires_at=form.cleaned_data["expires_at"],
                track=form.cleaned_data["track"],
                template_b=form.cleaned_data["template_b"],
                ab_sample=form.cleaned_data["ab_sample"] or 20,
                ab_metric=form.cleaned_data["ab_metric"] or "replied",
                ab_wait=form.cleaned_data["ab_wait"] or 60,
            )
        except ValidationError as exc:
            for field, errs in validation_errors(exc).items():
                form.add_error(field if field in form.fields else None, errs)
            return self._render(request, form)
        return redirect("messaging:broadcast_detail", broadcast.pk)


def _broadcast_or_404(user, pk) -> Broadcast:
    """Another area's broadcast answers 404, exactly like a missing one."""
    return get_object_or_404(
        Broadcast.objects.visible_to(user).select_related(
            "template", "person_list", "segment", "account", "job"
        ),
        pk=pk,
    )


class BroadcastDetailView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request, pk):
        broadcast = _broadcast_or_404(request.user, pk)
        variants = list(broadcast.template.variants.all())
        preview = []
        sample = selectors.audience_sample(request.user, broadcast, 5)
        for person in sample:
            try:
                text = services.render_for(broadcast.template, person, variants)
                preview.append({"person": person, **text})
            except ValidationError as exc:
                preview.append({"person": person, "error": exc.messages[0]})
        return render(
            request,
            "messaging/broadcast_detail.html",
            {
                "broadcast": broadcast,
                "stats": broadcasts.broadcast_stats(broadcast),
                "ab": abtests.ab_results(broadcast) if broadcast.template_b_id else None,
                "preview": preview,
                "audience_size": selectors.audience_size(request.user, broadcast),
                "recent": selectors.broadcast_messages(broadcast, request.GET.get("status"))[:50],
                "status_filter": request.GET.get("status", ""),
            },
        )


class BroadcastStatsView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def get(self, request, pk):
        broadcast = _broadcast_or_404(request.user, pk)
        return render(
            request,
            "messaging/_broadcast_stats.html",
            {"broadcast": broadcast, "stats": broadcasts.broadcast_stats(broadcast)},
        )


class BroadcastActionView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def post(self, request, pk, action):
        broadcast = _broadcast_or_404(request.user, pk)
        try:
            if action == "start":
                broadcasts.broadcast_start(actor=request.user, broadcast=broadcast)
                flash.success(request, _("Sending started."))
            elif action == "test":
                message = broadcasts.broadcast_test_send(
                    actor=request.user, broadcast=broadcast, to=request.POST.get("to", "")[:254]
                )
                if message.status in ("sent", "delivered"):
                    flash.success(request, _("Test sent to %(to)s.") % {"to": message.to_address})
                else:
                    flash.warning(
                        request,
                        _("Test not sent now: %(reason)s")
                        % {"reason": message.status_reason or message.get_status_display()},
                    )
            elif action in ("pause", "resume", "cancel"):
                broadcasts.broadcast_set_status(
                    actor=request.user, broadcast=broadcast, action=action
                )
                flash.success(
                    request,
                    {
                        "pause": _("Paused."),
                        "resume": _("Sending again."),
                        "cancel": _("Cancelled; nothing more will be sent."),
                    }[action],
                )
            else:
                raise Http404
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        return redirect("messaging:broadcast_detail", broadcast.pk)
