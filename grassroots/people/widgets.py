"""The person picker: one form field and widget for every form that takes a person (an event's
hosts and contact, a volunteer's recruiter, a staff member's manager, a team's leaders).

The same WAI-ARIA combobox as the area picker (``geography/widgets.py``; both are driven by
``static/grassroots/picker.js``): type part of a name (any script), a phone or an email, move
with the arrow keys, Enter chooses. Suggestions come from ``people:person_search`` (JSON, only
the people the user may see) and show each person's area and the end of their phone number, so
two people of one name can be told apart.

The chosen person's id travels in a hidden input named like the field; what is typed travels as
``<name>__text`` and is resolved on submit when it names exactly one person (no JavaScript).
With ``multiple`` the chosen people are chips, each a hidden input. Set ``field.actor`` (the
form's user): an id outside that user's people is "No such person", the same as a missing one,
and the widget shows the names only of the people that user may see.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grassroots.people import selectors
from grassroots.people.models import Person

TEXT_SUFFIX = "__text"
MAX_CHOSEN = 50


def _ids(values) -> list[int]:
    out: list[int] = []
    for v in values:
        v = getattr(v, "pk", v)
        s = str(v).strip()
        if s.isdigit() and 0 < int(s) < 2**62 and int(s) not in out:
            out.append(int(s))
    return out


class PersonPickerWidget(forms.Widget):
    template_name = "people/widgets/person_picker.html"

    def __init__(self, attrs=None, *, multiple: bool = False):
        super().__init__(attrs)
        self.multiple = multiple
        self.actor: Any = None

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, self.build_attrs(self.attrs, attrs))
        return loader.render_to_string(self.template_name, context)

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        ids = [str(v).strip() for v in raw if v not in (None, "") and str(v).strip()]
        text = (data.get(name + TEXT_SUFFIX) or "").strip()
        return {"ids": ids if self.multiple else ids[:1], "text": text}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and (name + TEXT_SUFFIX) not in data

    def _people(self, value) -> tuple[list[Person], str]:
        text = ""
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, Person) for v in value):
            return list(value), text  # the server's own initial value (already visible)
        if isinstance(value, Person):
            return [value], text
        if isinstance(value, dict):  # re-rendering what was posted
            text = value.get("text", "")
            ids = _ids(value.get("ids") or [])
        elif isinstance(value, (list, tuple)):
            ids = _ids(value)
        elif value in (None, ""):
            ids = []
        else:
            ids = _ids([value])
        if not ids:
            return [], text
        qs = (
            selectors.person_visible_to(self.actor)
            if self.actor is not None
            else Person.objects.none()
        )
        found = {p.pk: p for p in qs.filter(pk__in=ids[:MAX_CHOSEN]).select_related("area")}
        return [found[i] for i in ids if i in found], text

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        people, text = self._people(value)
        chosen = [
            {"id": p.pk, "name": str(p), "hint": p.area.name if p.area else ""} for p in people
        ]
        widget = context["widget"]
        widget.update(
            {
                "multiple": self.multiple,
                "chosen": chosen,
                "text": text if (self.multiple or not chosen) else chosen[0]["name"],
                "text_name": name + TEXT_SUFFIX,
                "search_url": reverse("people:person_search"),
                "listbox_id": f"{attrs.get('id') or name}_listbox",
            }
        )
        return context


class PersonField(forms.Field):
    """One person (a ``Person`` or ``None``) or several (a list), chosen with the picker, among
    the people ``actor`` may see."""

    default_error_messages = {
        "unknown": _("No such person."),
        "ambiguous": _("Several people match “%(text)s”: choose one from the list."),
        "too_many": _("Choose at most %(max)s people."),
    }

    def __init__(self, *, multiple: bool = False, actor: Any = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", PersonPickerWidget(multiple=multiple))
        super().__init__(**kwargs)
        self.multiple = multiple
        self.actor = actor

    @property
    def actor(self):
        return self._actor

    @actor.setter
    def actor(self, value):
        self._actor = value
        self.widget.actor = value

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.actor = result._actor
        return result

    def _visible(self):
        if self.actor is None:
            return Person.objects.none()
        return selectors.person_visible_to(self.actor)

    def to_python(self, value):
        if value in (None, "", [], {}):
            return [] if self.multiple else None
        if isinstance(value, Person):
            value = {"ids": [value.pk], "text": ""}
        elif isinstance(value, (list, tuple)):
            value = {"ids": list(value), "text": ""}
        elif not isinstance(value, dict):
            value = {"ids": [value], "text": ""}
        raw = [str(getattr(v, "pk", v)).strip() for v in value.get("ids") or []]
        raw = [r for r in raw if r]
        if len(raw) > MAX_CHOSEN:
            raise forms.ValidationError(self.error_messages["too_many"], params={"max": MAX_CHOSEN})
        ids = _ids(raw)
        if len(ids) != len(set(raw)):  # not a number, or out of range
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        people: list[Person] = []
        if ids:
            found = {p.pk: p for p in self._visible().filter(pk__in=ids)}
            if len(found) != len(ids):
                raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
            people = [found[i] for i in ids]
        text = (value.get("text") or "").strip()
        if text and (self.multiple or not people):
            person = self._resolve(text)
            if person not in people:
                people.append(person)
        if self.multiple:
            return people
        return people[0] if people else None

    def _resolve(self, text: str) -> Person:
        """Typed, nothing picked (no JavaScript): an id or a search naming exactly one person."""
        if self.actor is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        matches = selectors.person_search(self.actor, text, limit=2)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        raise forms.ValidationError(
            self.error_messages["ambiguous"], code="ambiguous", params={"text": text[:100]}
        )

    def prepare_value(self, value):
        return value
