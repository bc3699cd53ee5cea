from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "grassroots.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from grassroots.accounts import receivers  # noqa: F401
        from grassroots.core.registry import NavItem, nav_items

        nav_items.register(NavItem(_("Users"), "accounts:user_list", "accounts.manage", 80))
        nav_items.register(NavItem(_("Audit log"), "accounts:audit_list", "audit.view", 90))
