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
