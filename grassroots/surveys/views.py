"""The Scripts section: the list, the builder (blocks, choices, branching, translations), a
preview that walks the script as a person in a language, and the "answer a script" form
reached from a person's page (a phone or paper answer recorded today)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core import access
from grassroots.people.models import Consent, Person, Tag
from grassroots.surveys import selectors, services
from grassroots.surveys.models import Attempt, Block, Choice, Script


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _translations(post, prefix: str) -> dict[str, str]:
    return {code: post.get(f"{prefix}_{code}", "") for code, _n in settings.LANGUAGES}


class ScriptListView(CapabilityRequiredMixin, View):
    capability = "surveys.view"

    def _render(self, request, form=None, error=""):
        scripts = selectors.script_list(
            actor=request.user, status=request.GET.get("status") or None
        )
        return render(request, "surveys/script_list.html", {
            "scripts": scripts, "statuses": Script.Status.choices,
            "status": request.GET.get("status", ""),
            "can_manage": access.can(request.user, services.MANAGE),
            "languages": settings.LANGUAGES, "form": form or {}, "error": error,
        })  # fmt: skip

    def get(self, request):
        return self._render(request)

    def post(self, request):
        access.require(request.user, services.MANAGE)
        try:
            script = services.script_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
                base_language=request.POST.get("base_language", "en"),
                languages=request.POST.getlist("languages"),
            )
        except ValidationError as exc:
            return self._render(request, form=request.POST, error=_errors(exc))
        return redirect("surveys:script_detail", script.pk)


class ScriptDetailView(CapabilityRequiredMixin, View):
    """The builder: every change is a POST naming its ``action``, calling one service."""

    capability = "surveys.view"

    def get(self, request, pk):
        script = selectors.script_get(actor=request.user, pk=pk)
        return render(request, "surveys/script_detail.html", self._context(request, script))

    def _context(self, request, script):
        blocks = selectors.script_blocks(script)
        languages = [(c, n) for c, n in settings.LANGUAGES]
        can_manage = access.can(request.user, services.MANAGE) and access.is_visible(
            script, request.user, access.CHANGE
        )
        return {
            "script": script, "blocks": blocks, "kinds": Block.Kind.choices,
            "languages": languages, "other_languages": [
                (c, n) for c, n in languages if c != script.base_language],
            "statuses": Script.Status.choices, "can_manage": can_manage,
            "result_codes": selectors.result_codes(), "tags": Tag.objects.order_by("name")[:200],
            "consent_channels": Consent.Channel.choices,
            "consent_purposes": Consent.Purpose.choices,
            "placeholders": services.PLACEHOLDERS,
        }  # fmt: skip

    def post(self, request, pk):
        script = selectors.script_get(actor=request.user, pk=pk)
        action = request.POST.get("action", "")
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            messages.error(request, _("Unknown action."))
            return redirect("surveys:script_detail", script.pk)
        try:
            handler(request, script, request.POST)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Saved."))
            if action == "delete_script":
                return redirect("surveys:script_list")
        anchor = "".join(ch for ch in request.POST.get("anchor", "") if ch.isalnum() or ch == "-")
        return redirect(f"{request.path}#{anchor[:40]}")

    def _block(self, script, post) -> Block:
        return access.get_visible(
            Block.objects.filter(script=script), access.SYSTEM, pk=post.get("block")
        )

    def _choice(self, script, post) -> Choice:
        return access.get_visible(
            Choice.objects.filter(block__script=script).select_related("block__script"),
            access.SYSTEM,
            pk=post.get("choice"),
        )

    def do_script(self, request, script, post):
        services.script_update(
            actor=request.user, script=script, name=post.get("name", ""),
            description=post.get("description", ""), status=post.get("status"),
            base_language=post.get("base_language"), languages=post.getlist("languages"),
        )  # fmt: skip

    def do_delete_script(self, request, script, post):
        services.script_delete(actor=request.user, script=script)

    def do_block_add(self, request, script, post):
        services.block_add(
            actor=request.user, script=script, kind=post.get("kind", ""),
            text=post.get("text", ""), label=post.get("label", ""),
            scale_min=post.get("scale_min") or None, scale_max=post.get("scale_max") or None,
            writes_support_score=bool(post.get("writes_support_score")),
        )  # fmt: skip

    def do_block_update(self, request, script, post):
        block = self._block(script, post)
        services.block_update(
            actor=request.user, block=block, text=post.get("text", ""),
            label=post.get("label", ""), translations=_translations(post, "text"),
            scale_min=post.get("scale_min") or None, scale_max=post.get("scale_max") or None,
            writes_support_score=bool(post.get("writes_support_score"))
            if block.kind == Block.Kind.SCALE else None,
        )  # fmt: skip

    def do_block_move(self, request, script, post):
        block = self._block(script, post)
        step = -1 if post.get("direction") == "up" else 1
        services.block_move(actor=request.user, block=block, position=block.position + step)

    def do_block_delete(self, request, script, post):
        services.block_delete(actor=request.user, block=self._block(script, post))

    def do_choice_add(self, request, script, post):
        services.choice_add(
            actor=request.user, block=self._block(script, post), label=post.get("label", "")
        )

    def do_choice_update(self, request, script, post):
        choice = self._choice(script, post)
        services.choice_update(
            actor=request.user, choice=choice, label=post.get("label", ""),
            translations=_translations(post, "label"), tag=post.get("tag", ""),
            goto=post.get("goto") or None, consent_channel=post.get("consent_channel", ""),
            consent_purpose=post.get("consent_purpose", ""),
            consent_wording=post.get("consent_wording", ""),
            consent_wording_translations=_translations(post, "wording"),
        )  # fmt: skip

    def do_choice_delete(self, request, script, post):
        services.choice_delete(actor=request.user, choice=self._choice(script, post))


class ScriptPreviewView(CapabilityRequiredMixin, View):
    """Walk the script one block at a time as a person would hear it, in a language."""

    capability = "surveys.view"

    def get(self, request, pk):
        script = selectors.script_get(actor=request.user, pk=pk)
        blocks = selectors.script_blocks(script)
        codes = [c for c, _n in settings.LANGUAGES]
        lang = request.GET.get("lang") if request.GET.get("lang") in codes else script.base_language
        person = None
        if request.GET.get("person"):
            person = access.get_visible(Person, request.user, pk=request.GET["person"])
        try:
            step = max(0, int(request.GET.get("step", 0)))
        except ValueError:
            step = 0
        block = blocks[step] if step < len(blocks) else None
        positions = {b.pk: i for i, b in enumerate(blocks)}
        choices = []
        if block is not None:
            for c in block.choices.all():
                target = positions.get(c.goto_id, step + 1)
                choices.append((c, c.label_in(lang), target, c.wording_in(lang)))
        return render(request, "surveys/script_preview.html", {
            "script": script, "current": block, "step": step, "total": len(blocks),
            "text": services.render_text(block.text_in(lang), person) if block else "",
            "choices": choices, "lang": lang, "languages": settings.LANGUAGES, "person": person,
            "next": step + 1, "person_q": f"&person={person.pk}" if person else "",
            "scale": range(block.scale_min, block.scale_max + 1)
            if block is not None and block.kind == Block.Kind.SCALE else [],
        })  # fmt: skip


class AnswerView(CapabilityRequiredMixin, View):
    """Record a person's answers to a script (a phone call, a paper form) — one attempt. The
    attempt id is made when the form is shown, so sending it twice stores it once."""

    capability = "surveys.record"

    def _objects(self, request, person_pk, pk):
        person = access.get_visible(Person, request.user, access.CHANGE, pk=person_pk)
        script = selectors.script_get(actor=request.user, pk=pk)
        if script.status == Script.Status.ARCHIVED:
            raise access.NotFound
        return person, script

    def _render(self, request, person, script, values=None, error="", key=None):
        lang = person.preferred_language or script.base_language
        blocks = [
            {
                "block": b,
                "text": services.render_text(b.text_in(lang), person),
                "choices": [(c, c.label_in(lang), c.wording_in(lang)) for c in b.choices.all()],
                "scale": range(b.scale_min, b.scale_max + 1) if b.kind == Block.Kind.SCALE else [],
            }
            for b in selectors.script_blocks(script)
        ]
        return render(request, "surveys/answer.html", {
            "person": person, "script": script, "blocks": blocks, "lang": lang,
            "values": values or {}, "error": error, "attempt_key": key or uuid.uuid4().hex,
            # a phone call or a paper form first: the door has the canvassing app
            "channels": [(c, Attempt.Channel(c).label) for c in ("phone", "form", "door")],
            "result_codes": selectors.result_codes(),
        })  # fmt: skip

    def get(self, request, person_pk, pk):
        person, script = self._objects(request, person_pk, pk)
        return self._render(request, person, script)

    def post(self, request, person_pk, pk):
        person, script = self._objects(request, person_pk, pk)
        answers = {}
        for b in script.blocks.exclude(kind=Block.Kind.TEXT):
            name = f"q{b.pk}"
            if b.kind == Block.Kind.MULTIPLE:
                answers[str(b.pk)] = request.POST.getlist(name)
            else:
                answers[str(b.pk)] = request.POST.get(name, "")
        try:
            out = services.responses_record(
                actor=request.user, person=person, script=script, answers=answers,
                channel=request.POST.get("channel", "phone"),
                attempt_key=request.POST.get("attempt_key", ""),
                result_code=request.POST.get("result_code") or None,
                source="person page", language=person.preferred_language,
            )  # fmt: skip
        except ValidationError as exc:
            values = {k: request.POST.getlist(k) for k in request.POST}
            return self._render(
                request, person, script, values=values, error=_errors(exc),
                key=request.POST.get("attempt_key"),
            )  # fmt: skip
        if out.errors:
            names = {str(b.pk): b.name() for b in script.blocks.all()}
            lost = "; ".join(f"{names.get(k, k)}: {v}" for k, v in out.errors.items())
            messages.warning(request, _("Saved, except: %(lost)s") % {"lost": lost})
        elif not out.created:
            messages.info(request, _("These answers were already saved."))
        else:
            messages.success(request, _("Answers saved."))
        return redirect("people:person_detail", person.pk)
