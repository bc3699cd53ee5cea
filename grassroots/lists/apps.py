from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListsConfig(AppConfig):
    name = "grassroots.lists"
    label = "lists"
    verbose_name = _("Segments and lists")

    def ready(self):
        from grassroots.core.registry import NavItem, nav_items
        from grassroots.lists import builtin_filters

        builtin_filters.register_all()
        from grassroots.lists import export_jobs
        from grassroots.people.exports.jobs import export_sources

        export_sources["segment"] = export_jobs.export_source("segment")
        export_sources["list"] = export_jobs.export_source("list")
        nav_items.register(NavItem(_("Segments"), "lists:segment_list", "people.view", 20))
        from grassroots.geography.selectors import AreaPanel, area_panels
        from grassroots.lists.outputs import services as outputs

        # A booth's prints come first on its page: what a booth worker opens it for.
        area_panels.register(AreaPanel("lists/_area_prints.html", outputs.area_prints_panel, 10))
