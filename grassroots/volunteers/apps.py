from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "grassroots.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self):
        from grassroots.volunteers import events  # noqa: F401 - what volunteers publish
