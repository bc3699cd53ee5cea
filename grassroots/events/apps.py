from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "grassroots.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self):
        from grassroots.events import events  # noqa: F401 - the catalogue of what events publish
        from grassroots.events import engagement

        engagement.register()  # reminders, check-in, town halls, proposals (events-engage)
