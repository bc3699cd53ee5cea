from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "grassroots.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from grassroots.core.registry import (
            NavItem,
            PersonPanel,
            dashboard_tiles,
            nav_items,
            person_panels,
        )
        from grassroots.geography.selectors import area_stats_providers
        from grassroots.people import selectors
        from grassroots.people.dedupe import views as dedupe_views

        nav_items.register(NavItem(_("People"), "people:person_list", "people.view", 10))
        nav_items.register(NavItem(_("Households"), "people:household_list", "people.view", 15))
        nav_items.register(NavItem(_("Duplicates"), "people:duplicate_list", "people.merge", 17))
        person_panels.register(
            PersonPanel(
                "people/duplicates/_person_panel.html", dedupe_views.person_panel_context, 10
            )
        )
        dashboard_tiles.register(selectors.dashboard_tiles)
        from grassroots.core.registry import timeline_sources
        from grassroots.people.imports import selectors as import_selectors

        timeline_sources.register(import_selectors.timeline_entries)  # what imports changed
        area_stats_providers.register(selectors.area_people_stats)
        from grassroots.geography.selectors import AreaPanel, area_panels
        from grassroots.people import coverage

        area_panels.register(AreaPanel("people/_area_coverage.html", coverage.area_panel, 20))

        from grassroots.core.registry import housekeeping
        from grassroots.people import retention

        housekeeping.register(retention.exports_expire)
        housekeeping.register(retention.imports_expire)

        from grassroots.core.registry import DemoSeeder, demo_seeders
        from grassroots.people import demo

        demo_seeders.register(DemoSeeder(demo.seed, 30))  # after geography and accounts
