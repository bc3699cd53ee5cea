from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CanvassingConfig(AppConfig):
    name = "grassroots.canvassing"
    label = "canvassing"
    verbose_name = _("Canvassing")

    def ready(self):
        from grassroots.canvassing import events as _declared  # noqa: F401 - what we publish
        from grassroots.canvassing import registrations

        registrations.register_all()
