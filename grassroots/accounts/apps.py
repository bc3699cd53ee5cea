from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "grassroots.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib import admin

        from grassroots.accounts import (
            demo,
            receivers,  # noqa: F401
        )
        from grassroots.accounts.forms import AdminLoginForm
        from grassroots.core.registry import DemoSeeder, NavItem, demo_seeders, nav_items

        nav_items.register(NavItem(_("Users"), "accounts:user_list", "accounts.manage", 80))
        nav_items.register(NavItem(_("Audit log"), "accounts:audit_list", "audit.view", 90))
        demo_seeders.register(DemoSeeder(demo.seed, 20))
        admin.site.login_form = AdminLoginForm  # the sign-in throttle's words on its form  # after geography: scopes are areas
