from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeographyConfig(AppConfig):
    name = "grassroots.geography"
    label = "geography"
    verbose_name = _("Geography")

    def ready(self):
        from grassroots.core import access
        from grassroots.core.registry import DemoSeeder, NavItem, demo_seeders, nav_items
        from grassroots.geography import demo
        from grassroots.geography.selectors import scope_q

        access.set_area_strategy(scope_q)
        # the user form's scope field chooses areas with the area picker (accounts is below)
        from grassroots.accounts.forms import area_widgets

        area_widgets.register(_several_areas_widget)

        nav_items.register(NavItem(_("Areas"), "geography:area_tree", "geography.view", 20))
        demo_seeders.register(DemoSeeder(demo.seed, 10))


def _several_areas_widget():
    from grassroots.geography.widgets import AreaPickerWidget

    return AreaPickerWidget(multiple=True)
