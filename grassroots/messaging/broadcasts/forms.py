"""The broadcast form: name, template, audience, account, schedule, A/B test, tracking."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.lists import selectors as list_selectors
from grassroots.messaging.models import (
    ProviderAccount,
    Template,
)


class BroadcastForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    template = forms.ModelChoiceField(
        label=gettext_lazy("Template"), queryset=Template.objects.none()
    )
    audience = forms.ChoiceField(label=gettext_lazy("Audience"), choices=())
    account = forms.ModelChoiceField(
        label=gettext_lazy("Send through"),
        queryset=ProviderAccount.objects.filter(active=True),
        required=False,
        empty_label=gettext_lazy("The channel's default account"),
    )
    scheduled_at = forms.DateTimeField(
        label=gettext_lazy("Send at (leave empty to send now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Drop messages still held after"),
        required=False,
        help_text=gettext_lazy(
            "Messages held by quiet hours or a silence period go when allowed — or are dropped "
            "after this time (e.g. an event reminder that would arrive too late)."
        ),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    template_b = forms.ModelChoiceField(
        label=gettext_lazy("A/B test: version B (optional)"),
        queryset=Template.objects.none(),
        required=False,
        empty_label=gettext_lazy("No A/B test"),
        help_text=gettext_lazy(
            "A sample of the audience gets the first template or this one, half each; after the "
            "wait, everyone else gets the one that did better."
        ),
    )
    ab_sample = forms.IntegerField(
        # xgettext:no-python-format
        label=gettext_lazy("A/B sample (% of the audience)"), min_value=2, max_value=50,
        initial=20, required=False,
    )  # fmt: skip
    ab_metric = forms.ChoiceField(
        label=gettext_lazy("The better version has more"),
        choices=[("replied", gettext_lazy("replies")), ("clicked", gettext_lazy("clicks")),
                 ("delivered", gettext_lazy("deliveries"))],
        required=False,
    )  # fmt: skip
    ab_wait = forms.IntegerField(
        label=gettext_lazy("Decide after (minutes)"), min_value=5, max_value=10080, initial=60,
        required=False,
    )  # fmt: skip
    track = forms.BooleanField(
        label=gettext_lazy("Email: track opens and link clicks"),
        required=False,
        help_text=gettext_lazy(
            "Adds an invisible image and sends links through a counter; some countries require "
            "consent for this."
        ),
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = Template.objects.visible_to(actor)
        self.fields["template_b"].queryset = Template.objects.visible_to(actor)
        self.fields["account"].queryset = ProviderAccount.objects.visible_to(actor).filter(
            active=True
        )
        choices = [("", "—")]
        segs = [
            (f"segment:{s.pk}", _("Segment: %(name)s") % {"name": s.name})
            for s in list_selectors.segment_visible_to(actor)[:300]
        ]
        lists = [
            (f"list:{pl.pk}", _("List: %(name)s (%(n)s)") % {"name": pl.name, "n": pl.size})
            for pl in list_selectors.list_visible_to(actor)[:300]
        ]
        self.fields["audience"].choices = choices + segs + lists
