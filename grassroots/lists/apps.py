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
        nav_items.register(NavItem(_("Segments"), "lists:segment_list", "people.view", 20))
