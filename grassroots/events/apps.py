from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "grassroots.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self):
        from grassroots.core.registry import (
            DemoSeeder,
            NavItem,
            PersonPanel,
            dashboard_tiles,
            demo_seeders,
            nav_items,
            person_panels,
            reference_data,
            timeline_sources,
        )
        from grassroots.events import (
            demo,
            events,  # noqa: F401 - the catalogue of what events publish
            registry,
            services,
        )

        reference_data.register(services.event_types_ensure)

        nav_items.register(NavItem(_("Events"), "events:event_list", "events.view", 35))
        person_panels.register(PersonPanel("events/_person_panel.html", registry.person_panel, 45))
        dashboard_tiles.register(registry.dashboard_tiles)
        timeline_sources.register(registry.timeline_entries)
        registry.register_filters()
        demo_seeders.register(DemoSeeder(demo.seed, 120))  # after people and messaging
        from grassroots.events import engagement

        engagement.register()  # reminders, check-in, town halls, proposals (events-engage)
