"""The area picker: one form field and widget for every form and filter that takes an area.

A combobox (WAI-ARIA 1.2 pattern: an input with ``role="combobox"`` controlling a
``role="listbox"`` popup, arrow keys to move, Enter to choose, Escape to close) that searches
areas by name in any script or by code (``geography:area_search?format=json``, scoped to the
user's areas) and shows each one's path. ``static/grassroots/picker.js`` drives it; without
JavaScript the text box still works (a code or an unambiguous name is resolved on submit).

The chosen area's code travels in a hidden input named like the field; what is typed travels
as ``<name>__text``, so a typed code or name is resolved when nothing was picked. With
``multiple``, the chosen areas are chips, each a hidden input (the segment builder).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grassroots.geography import selectors
from grassroots.geography.models import Area

TEXT_SUFFIX = "__text"


class AreaPickerWidget(forms.Widget):
    template_name = "geography/widgets/area_picker.html"

    def __init__(self, attrs=None, *, multiple: bool = False):
        super().__init__(attrs)
        self.multiple = multiple

    def render(self, name, value, attrs=None, renderer=None):
        # the project's template engine (the form renderer does not see templates/)
        context = self.get_context(name, value, self.build_attrs(self.attrs, attrs))
        return loader.render_to_string(self.template_name, context)  # a SafeString

    def value_from_datadict(self, data, files, name):
        codes = [c for c in (data.getlist(name) if hasattr(data, "getlist") else []) if c]
        if not codes and not hasattr(data, "getlist") and data.get(name):
            codes = [data.get(name)]
        text = (data.get(name + TEXT_SUFFIX) or "").strip()
        if self.multiple:
            return {"codes": codes, "text": text}
        return {"codes": codes[:1], "text": text}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and (name + TEXT_SUFFIX) not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        areas: list[Area] = []
        text = ""
        if isinstance(value, dict):  # re-rendering what was posted
            text = value.get("text", "")
            codes = value.get("codes") or []
            areas = list(Area.objects.filter(code__in=codes).select_related("kind"))
        elif isinstance(value, Area):
            areas = [value]
        elif isinstance(value, (list, tuple)):
            areas = [v for v in value if isinstance(v, Area)] or list(
                Area.objects.filter(code__in=[str(v) for v in value]).select_related("kind")
            )
        elif isinstance(value, int):
            areas = list(Area.objects.filter(pk=value))
        elif isinstance(value, str) and value:
            areas = list(Area.objects.filter(code=value))
            if not areas:
                text = value
        labels = selectors.area_labels(areas) if areas else {}
        chosen = [
            {"code": a.code, "name": a.name, "label": labels.get(a.pk, a.name)} for a in areas
        ]
        widget = context["widget"]
        widget.update(
            {
                "multiple": self.multiple,
                "chosen": chosen,
                "text": text if (self.multiple or not chosen) else chosen[0]["label"],
                "text_name": name + TEXT_SUFFIX,
                "search_url": reverse("geography:area_search"),
                "listbox_id": f"{attrs.get('id') or name}_listbox",
            }
        )
        return context


class AreaField(forms.Field):
    """One area (``multiple=False``: an ``Area`` or ``None``) or several (a list of areas),
    chosen with the picker. Set ``field.actor`` (the form's user) to resolve typed names only
    among the areas that user may see; codes are checked against the scope by the services."""

    default_error_messages = {
        "unknown": _("No area matches “%(text)s”: choose one from the list."),
        "unknown_code": _("Unknown area code “%(code)s”."),
    }

    def __init__(self, *, multiple: bool = False, actor: Any = None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", AreaPickerWidget(multiple=multiple))
        super().__init__(**kwargs)
        self.multiple = multiple
        self.actor = actor

    def _visible(self):
        return selectors.area_visible_to(self.actor) if self.actor is not None else Area.objects

    def to_python(self, value):
        if value in (None, "", [], {}):
            return [] if self.multiple else None
        if isinstance(value, Area):
            return [value] if self.multiple else value
        if isinstance(value, str):
            value = {"codes": [], "text": value}
        codes = [str(c).strip()[:64] for c in value.get("codes") or [] if str(c).strip()]
        text = (value.get("text") or "").strip()
        areas: list[Area] = []
        if codes:
            found = {a.code: a for a in self._visible().filter(code__in=codes)}
            for code in codes:
                if code not in found:
                    raise forms.ValidationError(
                        self.error_messages["unknown_code"], params={"code": code}
                    )
                areas.append(found[code])
        if text and (self.multiple or not areas):
            area = (
                selectors.area_resolve(self.actor, text)
                if self.actor is not None
                else Area.objects.filter(code__iexact=text).first()
            )
            if area is None:
                raise forms.ValidationError(
                    self.error_messages["unknown"], params={"text": text[:100]}
                )
            if area not in areas:
                areas.append(area)
        if self.multiple:
            return areas
        return areas[0] if areas else None

    def prepare_value(self, value):
        return value
