"""Peer-to-peer texting screens: campaigns (set up, progress, reassign) and the texter's screen
(request a batch, one key per first message, replies with canned responses)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core import access
from grassroots.core.ids import parse_id
from grassroots.lists import selectors as list_selectors
from grassroots.messaging import rendering
from grassroots.messaging.models import (
    CannedResponse,
    Message,
    ProviderAccount,
    TextingCampaign,
    TextingContact,
)
from grassroots.messaging.texting import services as texting
from grassroots.messaging.views import LANGUAGE_CHOICES, sms_meter_config, validation_errors
from grassroots.people.selectors import person_visible_to
from grassroots.surveys.models import Block, Script

C = TextingContact.Status


class TexterMixin(CapabilityRequiredMixin):
    """Texters (messaging.text) and senders (messaging.send) alike."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not texting.can_text(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CampaignListView(TexterMixin, View):
    def get(self, request):
        qs = TextingCampaign.objects.visible_to(request.user)
        if not request.user.has_capability("messaging.send"):
            qs = qs.filter(status=TextingCampaign.Status.ACTIVE)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        mine = dict(
            TextingContact.objects.filter(
                campaign__in=page.object_list,
                texter=request.user,
                status__in=[C.ASSIGNED, C.REPLIED],
            )
            .values("campaign_id")
            .annotate(n=Count("id"))
            .values_list("campaign_id", "n")
            .order_by()
        )
        for c in page.object_list:
            c.mine = mine.get(c.pk, 0)
        return render(request, "messaging/texting_list.html", {"page": page, "querystring": ""})


def _answer_of(canned: CannedResponse) -> str:
    """A canned response's answer as the form's select names it."""
    if canned.choice_id:
        return f"choice:{canned.choice_id}"
    if canned.question_id:
        return f"question:{canned.question_id}"
    return ""


def _answer_options(script: Script | None) -> list[tuple[str, str]]:
    """The answers a canned response may record: "question — choice" for each choice of the
    script's choice questions, the question alone for the others (the answer written below)."""
    if script is None:
        return []
    options = []
    blocks = script.blocks.exclude(kind=Block.Kind.TEXT).prefetch_related("choices")
    for block in blocks.order_by("position", "id"):
        if block.has_choices:
            options += [(f"choice:{c.pk}", f"{block.name()} — {c.label_in()}") for c in
                        block.choices.all()]  # fmt: skip
        else:
            options.append(
                (
                    f"question:{block.pk}",
                    _("%(question)s — the answer written below") % {"question": block.name()},
                )
            )
    return options


class CampaignEditView(CapabilityRequiredMixin, View):
    capability = "messaging.send"

    def _scripts(self, request, current_id=None):
        qs = Script.objects.visible_to(request.user)
        if current_id:
            return qs.exclude(~Q(pk=current_id), status=Script.Status.ARCHIVED)[:300]
        return qs.exclude(status=Script.Status.ARCHIVED)[:300]

    def _render(self, request, campaign, data, errors, status=200):
        # each response's own error next to it (the service keys them "canned.<i>")
        canned = [
            {**c, "error": " ".join(errors.get(f"canned.{i}", []))}
            for i, c in enumerate(data.get("canned") or [])
        ]
        # at least four rows, and always one empty row to add another (computed once: the
        # target must not grow with the list it pads)
        canned += [{} for _ in range(max(4, len(canned) + 1) - len(canned))]
        return render(
            request,
            "messaging/texting_form.html",
            {
                "campaign": campaign,
                "data": data,
                "canned": canned,
                "errors": errors,
                "segments": list_selectors.segment_visible_to(request.user)[:300],
                "lists": list_selectors.list_visible_to(request.user)[:300],
                "accounts": ProviderAccount.objects.visible_to(request.user).filter(active=True),
                "languages": LANGUAGE_CHOICES,
                # the other languages' versions, and always one empty row to add another
                "versions": list(data.get("versions") or []) + [{}],
                "variables": rendering.VARIABLES,
                "sms_meter": sms_meter_config(),
                "scripts": self._scripts(request, campaign.survey_script_id if campaign else None),
                "answer_options": _answer_options(
                    Script.objects.visible_to(request.user)
                    .filter(pk=parse_id(str(data.get("survey_script") or "")) or 0)
                    .first()
                ),
            },
            status=status,
        )

    def get(self, request, pk=None):
        campaign = (
            get_object_or_404(TextingCampaign.objects.visible_to(request.user), pk=pk)
            if pk
            else None
        )
        data = {
            "name": campaign.name if campaign else "",
            "script": campaign.script
            if campaign
            else 'Hi {{ first_name|default:"there" }}, this is … with the campaign. Can we count '
            "on your vote on polling day?",
            "audience": (
                f"segment:{campaign.segment_id}"
                if campaign and campaign.segment_id
                else f"list:{campaign.person_list_id}"
                if campaign and campaign.person_list_id
                else ""
            ),
            "account": campaign.account_id if campaign else "",
            "language": campaign.language if campaign else "en",
            "versions": list(campaign.versions) if campaign else [],
            "batch_size": campaign.batch_size if campaign else 50,
            "release_after": campaign.release_after if campaign else 60,
            "survey_script": campaign.survey_script_id if campaign else "",
            "canned": [
                {
                    "title": c.title,
                    "body": c.body,
                    "tag": c.tag,
                    "answer": _answer_of(c),
                    "value": c.value,
                }  # fmt: skip
                for c in campaign.canned_responses.all()
            ]
            if campaign
            else [
                {
                    "title": _("Yes, will vote"),
                    "body": _("Wonderful, thank you!"),
                    "tag": "supporter",
                },
                {"title": _("Undecided"), "body": _("Thanks — may we send you what we stand for?")},
            ],
        }
        return self._render(request, campaign, data, {})

    def post(self, request, pk=None):
        campaign = (
            get_object_or_404(TextingCampaign.objects.visible_to(request.user), pk=pk)
            if pk
            else None
        )
        p = request.POST
        canned = [
            {k: p.get(f"c{i}-{k}", "") for k in ("title", "body", "tag", "answer", "value")}
            for i in range(20)
            if p.get(f"c{i}-title") or p.get(f"c{i}-body")
        ]
        for c in canned:  # "choice:<id>" or "question:<id>", as the service takes them
            kind, _sep, ref = c["answer"].partition(":")
            c["question"] = ref if kind == "question" else ""
            c["choice"] = ref if kind == "choice" else ""
            if kind not in ("question", "choice") and c["answer"]:
                c["question"] = c["answer"]  # not one of ours: the service says so
        data = {
            "name": p.get("name", ""),
            "script": p.get("script", ""),
            "audience": p.get("audience", ""),
            "account": p.get("account", ""),
            "batch_size": p.get("batch_size", "50"),
            "release_after": p.get("release_after", "60"),
            "canned": canned,
            "survey_script": p.get("survey_script", ""),
            "language": p.get("language", "en"),
            "versions": [
                {"language": p.get(f"s{i}-language", ""), "body": p.get(f"s{i}-body", "")}
                for i in range(12)
                if p.get(f"s{i}-body", "").strip()
            ],
        }
        kind, _sep, ref = data["audience"].partition(":")
        ref_id, account_id = parse_id(ref), parse_id(str(data["account"]))
        script_id = parse_id(str(data["survey_script"]))
        survey_script = (
            Script.objects.visible_to(request.user).filter(pk=script_id).first()
            if script_id
            else None
        )
        segment = (
            list_selectors.segment_visible_to(request.user).filter(pk=ref_id).first()
            if kind == "segment" and ref_id
            else None
        )
        person_list = (
            list_selectors.list_visible_to(request.user).filter(pk=ref_id).first()
            if kind == "list" and ref_id
            else None
        )
        account = (
            ProviderAccount.objects.visible_to(request.user)
            .filter(pk=account_id, active=True)
            .first()
            if account_id
            else None
        )
        if data["survey_script"] and survey_script is None:
            errors = {"survey_script": [_("Unknown survey script.")]}
            return self._render(request, campaign, data, errors, 400)
        try:
            campaign = texting.campaign_save(
                actor=request.user,
                campaign=campaign,
                name=data["name"],
                script=data["script"],
                segment=segment,
                person_list=person_list,
                account=account,
                # whole numbers (the service checks their range), 0 for anything else
                batch_size=parse_id(str(data["batch_size"])) or 0,
                release_after=parse_id(str(data["release_after"])) or 0,
                canned=canned,
                language=data["language"],
                versions=data["versions"],
                survey_script=survey_script,
            )
        except ValidationError as exc:
            return self._render(request, campaign, data, validation_errors(exc), 400)
        flash.success(request, _("Texting campaign saved."))
        return redirect("messaging:texting_detail", campaign.pk)


class CampaignDetailView(TexterMixin, View):
    """Progress per texter; supervisors start, close and reassign here."""

    def get(self, request, pk):
        campaign = get_object_or_404(TextingCampaign.objects.visible_to(request.user), pk=pk)
        from django.contrib.auth import get_user_model

        return render(
            request,
            "messaging/texting_detail.html",
            {
                "campaign": campaign,
                "progress": texting.progress(campaign),
                "is_supervisor": request.user.has_capability("messaging.send"),
                # only people who could open the campaign and text in it
                "users": access.who_can(
                    campaign,
                    get_user_model().objects.filter(is_active=True).order_by("username"),
                    texting.can_text,
                ),
            },
        )

    def post(self, request, pk):
        campaign = get_object_or_404(TextingCampaign.objects.visible_to(request.user), pk=pk)
        if not request.user.has_capability("messaging.send"):
            raise PermissionDenied
        action = request.POST.get("action")
        from django.contrib.auth import get_user_model

        User = get_user_model()
        try:
            if action == "start":
                texting.campaign_start(actor=request.user, campaign=campaign)
                flash.success(request, _("Texting has started: texters can ask for contacts."))
            elif action == "close":
                texting.campaign_close(actor=request.user, campaign=campaign)
                flash.success(request, _("Campaign closed."))
            elif action == "reassign":
                source = get_object_or_404(User, pk=request.POST.get("from") or 0)
                target = User.objects.filter(pk=request.POST.get("to") or 0).first()
                n = texting.reassign(
                    actor=request.user, campaign=campaign, from_user=source, to_user=target
                )
                flash.success(request, _("%(n)s contacts moved.") % {"n": n})
            else:
                raise Http404
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
        return redirect("messaging:texting_detail", campaign.pk)


class TexterView(TexterMixin, View):
    """The texter's screen: the next first message to send (Enter sends it), and replies."""

    def get(self, request, pk):
        campaign = get_object_or_404(TextingCampaign.objects.visible_to(request.user), pk=pk)
        return render(request, "messaging/texting_texter.html", self._context(request, campaign))

    def _context(self, request, campaign):
        contact = texting.next_contact(actor=request.user, campaign=campaign)
        mine = TextingContact.objects.filter(campaign=campaign, texter=request.user)
        return {
            "campaign": campaign,
            "contact": contact,
            "text": texting.first_message(campaign, contact.person) if contact else "",
            "left": mine.filter(status=C.ASSIGNED).count(),
            "replies": mine.filter(status=C.REPLIED).select_related("person")[:100],
            "sent": mine.filter(sent_at__isnull=False).count(),  # skipped is not texted
        }

    def post(self, request, pk):
        campaign = get_object_or_404(TextingCampaign.objects.visible_to(request.user), pk=pk)
        action = request.POST.get("action")
        try:
            if action == "batch":
                n = texting.request_batch(actor=request.user, campaign=campaign)
                if n:
                    flash.success(request, _("%(n)s contacts are yours to text.") % {"n": n})
                else:
                    flash.info(request, _("Nobody is left to text right now."))
            elif action == "send":
                contact = get_object_or_404(
                    TextingContact, pk=request.POST.get("contact") or 0, campaign=campaign
                )
                message = texting.send_initial(actor=request.user, contact=contact)
                if message.status not in (Message.Status.SENT, Message.Status.DELIVERED):
                    flash.warning(
                        request,
                        _("Not sent now: %(reason)s")
                        % {"reason": message.status_reason or message.get_status_display()},
                    )
            elif action == "skip":
                contact = get_object_or_404(
                    TextingContact, pk=request.POST.get("contact") or 0, campaign=campaign
                )
                texting.skip(actor=request.user, contact=contact)
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            flash.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        if request.htmx and action in ("send", "skip"):
            return render(
                request,
                "messaging/_texting_next.html",
                self._context(request, campaign),
            )
        return redirect("messaging:texting_texter", campaign.pk)


class ConversationView(TexterMixin, View):
    def _contact(self, request, pk, contact_pk) -> TextingContact:
        contact = get_object_or_404(
            TextingContact.objects.visible_to(request.user).select_related("person", "campaign"),
            pk=contact_pk,
            campaign_id=pk,
            person__in=person_visible_to(request.user).values("pk"),
        )
        if contact.texter_id != request.user.pk and not request.user.has_capability(
            "messaging.send"
        ):
            raise Http404
        return contact

    def get(self, request, pk, contact_pk):
        contact = self._contact(request, pk, contact_pk)
        return render(
            request,
            "messaging/texting_conversation.html",
            {
                "contact": contact,
                "campaign": contact.campaign,
                "thread": texting.conversation(contact),
                "canned": contact.campaign.canned_responses.select_related("question", "choice"),
            },
        )

    def post(self, request, pk, contact_pk):
        contact = self._contact(request, pk, contact_pk)
        action = request.POST.get("action", "reply")
        try:
            if action in (C.OPTED_OUT, C.WRONG, C.DONE):
                texting.mark(actor=request.user, contact=contact, outcome=action)
                flash.success(request, {C.OPTED_OUT: _("Opted out."), C.WRONG: _(
                    "Marked as a wrong number."), C.DONE: _("Conversation closed.")}[action])  # fmt: skip
                return redirect("messaging:texting_texter", pk)
            canned = None
            if request.POST.get("canned"):
                canned = get_object_or_404(
                    CannedResponse, pk=request.POST["canned"], campaign_id=pk
                )
            texting.reply(
                actor=request.user, contact=contact, body=request.POST.get("body", ""),
                canned=canned,
            )  # fmt: skip
        except ValidationError as exc:  # e.g. the texter may not record the canned answer
            flash.error(request, " ".join(exc.messages))
        return redirect("messaging:texting_conversation", pk, contact.pk)
