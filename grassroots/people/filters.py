"""The person filters, shared by the people screens and the API (ARCHITECTURE §1)."""

from __future__ import annotations

import datetime as dt
import re
from functools import reduce
from operator import and_

import django_filters as df
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from grassroots.core.filters import ScopedFilterSet
from grassroots.core.ids import IdFilter
from grassroots.core.phones import try_normalize_phone
from grassroots.geography.models import Area
from grassroots.people import registration
from grassroots.people.dedupe.names import name_key
from grassroots.people.models import Consent, ContactPoint, ExternalId, Person, Tag, Tagging
from grassroots.people.validation import years_before

_PHONEISH = re.compile(r"^\+?[\d\s().-]{6,20}$")
_EPICISH = re.compile(r"^[A-Za-z]{3}\d{7}$")
_NSID = re.compile(r"^([a-z][a-z0-9_-]{1,39}):(\S{1,100})$", re.IGNORECASE)


EXACT_MATCH_LIMIT = 1000


def _ids(qs) -> Q:
    """Resolve an exact lookup (phone, email, id) to person ids first.

    ``pk IN (a) OR pk IN (b)`` makes PostgreSQL scan every person; a short id list does not.
    """
    return Q(pk__in=list(qs.values_list("person_id", flat=True)[:EXACT_MATCH_LIMIT]))


def is_name_search(text: str) -> bool:
    text = (text or "").strip()
    return bool(text) and not (
        "@" in text or _NSID.match(text) or _EPICISH.match(text) or _PHONEISH.match(text)
    )


def search_q(text: str) -> Q:
    """One search box: name (Latin or native script), phone, email or external id."""
    text = (text or "").strip()[:200]
    if not text:
        return Q()
    if "@" in text:
        return _ids(ContactPoint.objects.filter(value=text.lower(), channel="email"))
    m = _NSID.match(text)
    if m and not text.lower().startswith(("http:", "https:")):
        namespace = m.group(1).lower()
        value = m.group(2).upper() if namespace == "epic" else m.group(2)
        return _ids(ExternalId.objects.filter(namespace=namespace, value=value))
    if _EPICISH.match(text):
        return _ids(ExternalId.objects.filter(value=text.upper()))
    if _PHONEISH.match(text):
        cond = _ids(ExternalId.objects.filter(value=text))
        phone = try_normalize_phone(text)
        if phone:
            cond |= _ids(ContactPoint.objects.filter(value=phone, channel="phone"))
        return cond
    cond = Q()
    for token in text.split()[:5]:
        either = Q(full_name__icontains=token) | Q(native_name__icontains=token)
        keys = name_key(token).split()
        if keys:  # another spelling or script of the word: a word whose key starts alike
            either |= reduce(and_, (Q(name_keys__contains=f" {k}") for k in keys))
        cond &= either
    return cond


def area_subtree_ids(area: Area):
    return Area.objects.filter(path__startswith=area.path).values("id")


NAME_SEARCH_ORDERING = (Upper("family_name"), Upper("given_name"), "id")

ORDERINGS = {
    "name": ("family_name", "given_name", "id"),
    "-name": ("-family_name", "-given_name", "-id"),
    "age": ("-born_estimate", "id"),
    "-age": ("born_estimate", "id"),
    "support": ("support_score", "family_name", "id"),
    "-support": ("-support_score", "family_name", "id"),
    "recent": ("-created_at", "-id"),
    "contacted": ("-last_contacted_at", "id"),
}


class PersonFilter(ScopedFilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"))
    area = df.ModelChoiceFilter(queryset=Area.objects.all(), method="filter_area", label=_("Area"))
    area_code = df.CharFilter(method="filter_area_code", label=_("Area code"))
    tag = df.ModelMultipleChoiceFilter(
        queryset=Tag.objects.all(),
        field_name="tag",
        to_field_name="slug",
        method="filter_tag",
        label=_("Tag"),
    )
    support_score = df.MultipleChoiceFilter(
        choices=[(i, str(i)) for i in range(1, 6)], label=_("Support score")
    )
    age_min = df.NumberFilter(
        method="filter_age_min", label=_("Age from"), min_value=0, max_value=130
    )
    age_max = df.NumberFilter(
        method="filter_age_max", label=_("Age to"), min_value=0, max_value=130
    )
    gender = df.ChoiceFilter(choices=[c for c in Person.Gender.choices if c[0]], label=_("Gender"))
    status = df.ChoiceFilter(choices=Person.Status.choices, label=_("Status"))
    has_phone = df.BooleanFilter(method="filter_has_phone", label=_("Has phone"))
    has_email = df.BooleanFilter(method="filter_has_email", label=_("Has email"))
    consent = df.ChoiceFilter(
        method="filter_consent",
        label=_("Consent granted"),
        choices=[
            (f"{c}:{p}", format_lazy("{} · {}", cl, pl))
            for c, cl in Consent.Channel.choices
            for p, pl in Consent.Purpose.choices
        ],
    )
    household = IdFilter(field_name="household_id", label=_("Household"))
    party = df.CharFilter(method="filter_party", label=_("Party registration"))
    voter_status = df.CharFilter(method="filter_voter_status", label=_("Voter status"))
    sort = df.ChoiceFilter(
        method="filter_sort",
        label=_("Sort"),
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("age", _("Youngest")),
            ("-age", _("Oldest")),
            ("support", _("Strongest support")),
            ("-support", _("Strongest opposition")),
            ("recent", _("Recently added")),
            ("contacted", _("Recently contacted")),
        ],
        empty_label=None,
    )

    class Meta:
        model = Person
        fields = ["q", "area", "tag", "support_score", "gender", "status"]

    def filter_q(self, qs, name, value):
        return qs.filter(search_q(value))

    def filter_area(self, qs, name, value):
        return qs.filter(area_id__in=area_subtree_ids(value)) if value else qs

    def filter_area_code(self, qs, name, value):
        area = Area.objects.filter(code=value.strip()).first()
        return qs.filter(area_id__in=area_subtree_ids(area)) if area else qs.none()

    def filter_tag(self, qs, name, value):
        for tag in value:
            qs = qs.filter(Exists(Tagging.objects.filter(person_id=OuterRef("pk"), tag=tag)))
        return qs

    @staticmethod
    def _years_ago(years: int) -> dt.date:
        return years_before(timezone.localdate(), years)

    def filter_age_min(self, qs, name, value):
        return (
            qs.filter(born_estimate__lte=self._years_ago(int(value))) if value is not None else qs
        )

    def filter_age_max(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(born_estimate__gt=self._years_ago(int(value) + 1))

    def _has(self, qs, channel, value):
        cond = Exists(ContactPoint.objects.filter(person_id=OuterRef("pk"), channel=channel))
        if value is None:
            return qs
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_has_phone(self, qs, name, value):
        return self._has(qs, "phone", value)

    def filter_has_email(self, qs, name, value):
        return self._has(qs, "email", value)

    def filter_consent(self, qs, name, value):
        channel, _sep, purpose = (value or "").partition(":")
        latest = (
            Consent.objects.filter(person_id=OuterRef("pk"), channel=channel, purpose=purpose)
            .order_by("-recorded_at", "-id")
            .values("status")[:1]
        )
        return qs.annotate(_consent=Subquery(latest)).filter(_consent=Consent.Status.GRANTED)

    def filter_party(self, qs, name, value):
        value = (value or "").strip()
        return qs.filter(party__iexact=value) if value else qs

    def filter_voter_status(self, qs, name, value):
        """A stored status ("inactive") or the words of one, in the reader's language."""
        value = (value or "").strip().casefold()
        if not value:
            return qs
        codes = {value} | {
            c for c, words in registration.STATUSES.items() if str(words).casefold() == value
        }
        return qs.filter(voter_status__in=sorted(codes))

    def filter_sort(self, qs, name, value):
        return qs.order_by(*ORDERINGS.get(value, ORDERINGS["name"]))

    @classmethod
    def unfiltered(cls, queryset):
        return queryset.order_by(*ORDERINGS["name"])  # what ``qs`` does with nothing asked

    @property
    def qs(self):
        qs = super().qs
        data = getattr(self.form, "cleaned_data", {})
        if not data.get("sort") or data.get("sort") == "name":
            if is_name_search(data.get("q", "")):
                # Sort the (trigram-indexed) matches instead of walking the name index and
                # filtering every row until 50 match: 3.4 s → 0.4 s on 1M people.
                qs = qs.order_by(*NAME_SEARCH_ORDERING)
            else:
                qs = qs.order_by(*ORDERINGS["name"])
        return qs
