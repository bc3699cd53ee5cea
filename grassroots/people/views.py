from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core.ids import parse_id
from grassroots.geography.selectors import area_resolve, area_visible_to
from grassroots.geography.widgets import TEXT_SUFFIX, AreaPickerWidget
from grassroots.people import selectors, services
from grassroots.people.filters import PersonFilter
from grassroots.people.forms import (
    BulkTagForm,
    ConsentForm,
    ContactPointForm,
    InteractionForm,
    NoteForm,
    PersonCreateForm,
    PersonForm,
    TagForm,
    actor_form,
    custom_field_formfield,
)
from grassroots.people.models import Household, Person, Tag

PAGE_SIZE = 50


def _phone_hint(person: Person) -> str:
    """The end of a person's phone number: enough to tell two namesakes apart."""
    phones = getattr(person, "picker_phones", [])
    return "…" + phones[0].value[-4:] if phones else ""


class PersonSearchView(CapabilityRequiredMixin, View):
    """The person picker's source (``people/widgets.py``): JSON, at most 20 people, only those
    the user may see. Each result: ``code`` (the id), ``name``, ``label``, ``meta`` (area and
    the end of the phone number)."""

    capability = "people.view"

    def get(self, request):
        found = selectors.person_search(request.user, request.GET.get("q", ""), limit=20)
        results = []
        for p in found:
            hint = [h for h in (p.area.name if p.area else "", _phone_hint(p)) if h]
            results.append(
                {
                    "code": str(p.pk),
                    "name": str(p),
                    "native_name": p.native_name,
                    "label": str(p),
                    "meta": " · ".join(hint),
                }
            )
        return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


def _get_person(request, pk) -> Person:
    person = selectors.person_get(actor=request.user, pk=pk)
    if person is None:
        raise Http404
    return person


class PersonListView(CapabilityRequiredMixin, View):
    capability = "people.view"

    def get(self, request):
        data, area_error = _resolve_area_text(request.user, request.GET, "area_code")
        params = selectors.clean_filter_params(data)
        fs = PersonFilter(
            params or None, queryset=selectors.person_visible_to(request.user), request=request
        )
        qs = selectors.person_list(actor=request.user, filters=data)
        if area_error:
            qs = qs.none()
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        params = params.copy()
        params.pop("page", None)
        without_area = params.copy()
        without_area.pop("area", None)
        selected_area = None
        area_id = parse_id(request.GET.get("area", ""))
        if area_id is not None:
            selected_area = area_visible_to(request.user).filter(pk=area_id).first()
        ctx = {
            "filter": fs,
            "page": page,
            "selected_area": selected_area,
            "area_picker": AreaPickerWidget().render(
                "area_code",
                {"codes": [data.get("area_code", "")], "text": data.get("area_code__text", "")},
                attrs={"id": "id_area_code"},
            ),
            "area_error": area_error,
            "querystring_without_area": without_area.urlencode(),
            "querystring": params.urlencode(),
            "tags": selectors.tag_list(),
            "can_edit": request.user.has_capability("people.edit"),
            "can_add": _can_add(request.user),
        }
        template = (
            "people/person_list.html#results"
            if request.htmx and not request.htmx.boosted
            else "people/person_list.html"
        )
        return render(request, template, ctx)


def _resolve_area_text(actor, query, name: str):
    """The area picker sends the chosen code as ``name`` and what was typed as
    ``name__text``: typed text with no code chosen is resolved (a code, or a name only one
    area has); text that names no area is said so, not shown as "no people match"."""
    text = (query.get(name + TEXT_SUFFIX) or "").strip()
    if query.get(name) or not text:
        return query, ""
    area = area_resolve(actor, text)
    if area is None:
        return query, _("No area matches “%(text)s”: choose one from the list.") % {
            "text": text[:100]
        }
    data = query.copy()
    data[name] = area.code
    return data, ""


class BulkTagView(CapabilityRequiredMixin, View):
    capability = "people.edit"

    def post(self, request):
        form = BulkTagForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose people and a tag name."))
            return redirect("people:person_list")
        try:
            tag = services.tag_get_or_create(actor=request.user, name=form.cleaned_data["tag_name"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("people:person_list")
        visible = selectors.person_visible_to(request.user)
        if form.cleaned_data["all_matching"]:
            filters = request.POST.copy()
            people = selectors.person_list(actor=request.user, filters=filters)
            ids = list(people.values_list("id", flat=True)[:100000])
        else:
            ids = list(visible.filter(pk__in=form.cleaned_data["ids"]).values_list("id", flat=True))
        if not ids:
            messages.error(request, _("Select at least one person."))
        else:
            added = services.tag_apply(actor=request.user, tag=tag, people=ids)
            messages.success(
                request,
                _("Tagged %(n)s people “%(tag)s” (%(new)s new).")
                % {"n": f"{len(ids):,}", "tag": tag.name, "new": f"{added:,}"},
            )
        back = request.POST.get("back") or reverse("people:person_list")
        if not back.startswith("/"):
            back = reverse("people:person_list")
        return redirect(back)


class PersonDetailView(CapabilityRequiredMixin, View):
    capability = "people.view"

    def get(self, request, pk):
        person = _get_person(request, pk)
        return render(request, "people/person_detail.html", _detail_ctx(request, person))


def _detail_ctx(request, person, **forms):
    # Each form on the page has its own id prefix (auto_id), so its labels, help and errors
    # point at its own fields: three forms have a "channel" field.
    return {
        "person": person,
        "members": selectors.household_members(actor=request.user, person=person),
        "consents": selectors.consent_current(person),
        "votes": selectors.vote_history(person),
        "timeline": selectors.person_timeline(person),
        "custom_fields": [
            (cf, next((v.value for v in person.custom_values.all() if v.field_id == cf.id), None))
            for cf in selectors.custom_fields(person)
        ],
        "note_form": forms.get("note_form") or NoteForm(auto_id="note_%s"),
        "tag_form": forms.get("tag_form") or TagForm(auto_id="tag_%s"),
        "cp_form": forms.get("cp_form") or ContactPointForm(auto_id="contact_%s"),
        "consent_form": forms.get("consent_form") or ConsentForm(auto_id="consent_%s"),
        "interaction_form": forms.get("interaction_form")
        or InteractionForm(auto_id="interaction_%s"),
        "can_edit": request.user.has_capability("people.edit"),
        "can_note": request.user.has_capability("people.note"),
        "all_tags": selectors.tag_list(),
    }


class PersonActionView(CapabilityRequiredMixin, View):
    """POST actions on one person; HTMX gets the re-rendered panel, others a redirect."""

    capability = "people.note"
    EDIT_ACTIONS = {"tag", "untag", "contact", "consent"}

    def post(self, request, pk, action):
        person = _get_person(request, pk)
        if action in self.EDIT_ACTIONS and not request.user.has_capability("people.edit"):
            raise _forbidden()
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            raise Http404
        forms, ok_message = handler(request, person)
        if forms:
            ctx = _detail_ctx(request, selectors.person_get(actor=request.user, pk=pk), **forms)
            if request.htmx:  # htmx swaps 2xx only: show the panel with its field errors
                return render(request, "people/person_detail.html#main", ctx)
            return render(request, "people/person_detail.html", ctx, status=400)
        if ok_message:
            messages.success(request, ok_message)
        if request.htmx:
            ctx = _detail_ctx(request, selectors.person_get(actor=request.user, pk=pk))
            return render(request, "people/person_detail.html#main", ctx)
        return redirect("people:person_detail", pk=pk)

    def do_note(self, request, person):
        form = NoteForm(request.POST, auto_id="note_%s")
        if form.is_valid():
            try:
                services.note_create(
                    actor=request.user, person=person, body=form.cleaned_data["body"]
                )
                return None, _("Note added.")
            except ValidationError as exc:
                form.add_error(None, exc)
        return {"note_form": form}, None

    def do_interaction(self, request, person):
        form = InteractionForm(request.POST, auto_id="interaction_%s")
        if form.is_valid():
            try:
                services.interaction_record(
                    actor=request.user, person=person, **form.cleaned_data, source="manual"
                )
                return None, _("Interaction recorded.")
            except ValidationError as exc:
                form.add_error(None, exc)
        return {"interaction_form": form}, None

    def do_tag(self, request, person):
        form = TagForm(request.POST, auto_id="tag_%s")
        if form.is_valid():
            try:
                tag = services.tag_get_or_create(actor=request.user, name=form.cleaned_data["name"])
                services.tag_apply(actor=request.user, tag=tag, people=[person])
                return None, _("Tagged “%(tag)s”.") % {"tag": tag.name}
            except ValidationError as exc:
                form.add_error("name", exc)
        return {"tag_form": form}, None

    def do_untag(self, request, person):
        tag = Tag.objects.filter(pk=request.POST.get("tag")).first()
        if tag is None:
            raise Http404
        services.tag_remove(actor=request.user, tag=tag, person=person)
        return None, _("Tag removed.")

    def do_contact(self, request, person):
        form = ContactPointForm(request.POST, auto_id="contact_%s")
        if form.is_valid():
            try:
                services.contact_point_add(
                    actor=request.user, person=person, **form.cleaned_data, source="manual"
                )
                return None, _("Contact added.")
            except ValidationError as exc:
                form.add_error("value", exc)
        return {"cp_form": form}, None

    def do_consent(self, request, person):
        form = ConsentForm(request.POST, auto_id="consent_%s")
        if form.is_valid():
            try:
                services.consent_record(actor=request.user, person=person, **form.cleaned_data)
                return None, _("Consent recorded.")
            except ValidationError as exc:
                form.add_error(None, exc)
        return {"consent_form": form}, None


def _forbidden():
    from django.core.exceptions import PermissionDenied

    return PermissionDenied()


def _person_form_data(cleaned: dict) -> dict:
    keys = [f.name for f in PersonForm().visible_fields()]
    return {k: cleaned.get(k) for k in keys if k in cleaned}


def _can_add(user) -> bool:
    return user.has_capability(services.ADD) or user.has_capability(services.EDIT)


class PersonCreateView(CapabilityRequiredMixin, View):
    """Add a person: a booth volunteer (``people.add``) in their own booth, or anyone who edits
    people. With an address, the person joins the household at that door in their area (or a
    new one); from a household's page (``?household=``) they join that household."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not _can_add(request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _household(self, request, value):
        if not value:
            return None
        household = (
            Household.objects.visible_to(request.user, "change")
            .select_related("address", "area")
            .filter(pk=parse_id(value) or 0)
            .first()
        )
        if household is None:
            raise Http404
        return household

    def _render(self, request, form, household=None, status=200):
        return render(
            request,
            "people/person_form.html",
            {"form": form, "is_new": True, "household": household},
            status=status,
        )

    def get(self, request):
        household = self._household(request, request.GET.get("household"))
        initial = {}
        if household is not None:
            initial = {"household": household.pk, "area": household.area}
            if household.address is not None:
                initial.update(
                    {k: getattr(household.address, k) for k in PersonCreateForm.ADDRESS_FIELDS}
                )
            initial["family_name"] = ""
        elif request.GET.get("area"):
            area = area_visible_to(request.user).filter(code=request.GET["area"]).first()
            initial["area"] = area
        else:
            from grassroots.geography.selectors import home_area

            area = home_area(request.user)
            if area is not None and area.kind.is_polling_unit:
                initial["area"] = area  # a booth volunteer adds people in their booth
        form = actor_form(PersonCreateForm(initial=initial), request.user)
        return self._render(request, form, household)

    def post(self, request):
        form = actor_form(PersonCreateForm(request.POST), request.user)
        household = self._household(request, request.POST.get("household"))
        if form.is_valid():
            d = form.cleaned_data
            area = d.get("area") or (household.area if household else None)
            address = form.address()
            if address and area is None:
                form.add_error("area", _("Choose the area (booth) this address is in."))
            else:
                try:
                    with transaction.atomic():
                        data = _person_form_data(d)
                        data["area"] = area
                        data["source"] = data.get("source") or "manual"
                        if household is None and address:
                            household, _created = services.household_for_address(
                                actor=request.user, address=address, area=area
                            )
                        if household is not None:
                            data["household"] = household
                        person = services.person_create(
                            actor=request.user,
                            data=data,
                            phones=[d["phone"]] if d.get("phone") else [],
                            emails=[d["email"]] if d.get("email") else [],
                            external_ids=form.external_ids(),
                            via="screen",
                        )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("%(name)s added.") % {"name": person.full_name})
                    return redirect("people:person_detail", pk=person.pk)
        return self._render(request, form, household, status=400)


SERVICE_TO_FORM_FIELD = {"phones": "phone", "emails": "email", "external_ids": "id_value"}


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = SERVICE_TO_FORM_FIELD.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        msgs = exc.messages
        text = " ".join(msgs)
        target = None
        for name in ("phone", "email", "id_value"):
            if name in form.fields and form.data.get(name) and form.data.get(name)[:20] in text:
                target = name
        form.add_error(target, msgs)


class PersonEditView(CapabilityRequiredMixin, View):
    capability = "people.edit"

    def _form(self, person, data=None):
        form = PersonForm(
            data,
            initial={f: getattr(person, f) for f in PersonForm.base_fields if hasattr(person, f)},
        )
        actor_form(form, self.request.user)
        self.cfs = list(selectors.custom_fields(person))
        current = {v.field_id: v.value for v in person.custom_values.all()}
        for cf in self.cfs:
            form.fields[f"cf_{cf.key}"] = custom_field_formfield(cf)
            form.initial[f"cf_{cf.key}"] = current.get(cf.id)
        return form

    def get(self, request, pk):
        person = _get_person(request, pk)
        return render(
            request, "people/person_form.html", {"form": self._form(person), "person": person}
        )

    def post(self, request, pk):
        person = _get_person(request, pk)
        form = self._form(person, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            area = d.get("area")
            if area is not None and not area_visible_to(request.user).filter(pk=area.pk).exists():
                form.add_error("area", _("Unknown area code “%(code)s”.") % {"code": area.code})
            else:
                try:
                    with transaction.atomic():
                        services.person_update(
                            actor=request.user, person=person, data=_person_form_data(d)
                        )
                        if self.cfs:
                            services.custom_values_set(
                                actor=request.user,
                                person=person,
                                values={cf: d.get(f"cf_{cf.key}") for cf in self.cfs},
                            )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("people:person_detail", pk=person.pk)
        return render(
            request, "people/person_form.html", {"form": form, "person": person}, status=400
        )


class HouseholdListView(CapabilityRequiredMixin, View):
    capability = "people.view"

    def get(self, request):
        q = request.GET.get("q", "")
        qs = selectors.household_list(actor=request.user, q=q)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        template = (
            "people/household_list.html#results" if request.htmx else "people/household_list.html"
        )
        return render(request, template, {"page": page, "q": q})


class HouseholdDetailView(CapabilityRequiredMixin, View):
    capability = "people.view"

    def get(self, request, pk):
        household = selectors.household_get(actor=request.user, pk=pk)
        if household is None:
            raise Http404
        members = selectors.person_list(actor=request.user, filters={"household": str(pk)})
        return render(
            request,
            "people/household_detail.html",
            {"household": household, "members": members, "can_add": _can_add(request.user)},
        )
