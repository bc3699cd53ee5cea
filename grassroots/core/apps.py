from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "grassroots.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from grassroots.core import jobs
        from grassroots.core.registry import every_minute

        # every app's job runners (``<app>.runners``), so the generic task finds them by name
        autodiscover_modules("runners")
        every_minute.register(jobs.recover_orphans)

        # the event catalogue: every app declares what it publishes in ``<app>/events.py``
        from grassroots.core import events, outbox

        events.collect_declarations()
        every_minute.register(outbox.delivery_tick)
