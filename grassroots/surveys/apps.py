from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "grassroots.surveys"
    label = "surveys"
    verbose_name = _("Surveys and scripts")

    def ready(self):
        from grassroots.core import registry
        from grassroots.surveys import demo, filters, selectors, services
        from grassroots.surveys import events as _declared  # noqa: F401 - what we publish

        registry.reference_data.register(services.reference_data_ensure)
        registry.nav_items.register(
            registry.NavItem(_("Scripts"), "surveys:script_list", "surveys.view", 25)
        )
        registry.person_panels.register(
            registry.PersonPanel("surveys/_person_panel.html", selectors.person_panel, 40)
        )
        filters.register_all()
        registry.demo_seeders.register(registry.DemoSeeder(demo.seed, 120))
