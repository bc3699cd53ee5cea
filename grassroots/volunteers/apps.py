from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "grassroots.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self):
        from grassroots.core import events, registry
        from grassroots.core.registry import (
            DemoSeeder,
            NavItem,
            PersonPanel,
            dashboard_tiles,
            demo_seeders,
            nav_items,
            person_panels,
            timeline_sources,
        )
        from grassroots.volunteers import demo, filters, points, selectors, services

        registry.reference_data.register(services.reference_data_ensure)
        from grassroots.volunteers import events as _declared  # noqa: F401 - what we publish

        nav_items.register(
            NavItem(_("Volunteers"), "volunteers:volunteer_list", "volunteers.view", 45)
        )
        nav_items.register(NavItem(_("My tasks"), "volunteers:my_tasks", "volunteers.self", 46))
        dashboard_tiles.register(selectors.dashboard_tiles)
        person_panels.register(
            PersonPanel("volunteers/_person_panel.html", selectors.person_panel, 50)
        )
        timeline_sources.register(selectors.timeline_entries)
        from grassroots.events.registry import checkin_row_actions

        checkin_row_actions.register("volunteers/_checkin_hours.html")
        filters.register_all()
        points.register_builtins()
        demo_seeders.register(DemoSeeder(demo.seed, 150))
        # an attended shift counts as approved hours (the events app publishes the event)
        events.subscriber("attendance.recorded", key=services.ATTENDANCE_SUBSCRIBER_KEY)(
            services.hours_from_attendance
        )
