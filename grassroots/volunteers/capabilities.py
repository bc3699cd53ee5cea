"""The volunteers app's capabilities and what the default roles get of them.

Everyone with a linked volunteer profile sees their own tasks, hours and rank, and a team
leader sees their teams' (the models' ``VolunteerScope``): that needs ``volunteers.self``."""

from django.utils.translation import gettext_lazy as _

CAPABILITIES: dict[str, str] = {
    "volunteers.view": _("See the volunteers, tasks, hours and teams in one's areas"),
    "volunteers.manage": _(
        "Add and edit volunteers, teams and tasks; assign tasks; approve hours; invite logins"
    ),
    "volunteers.self": _("See and complete one's own tasks, log one's hours, see one's rank"),
    "volunteers.staff": _("See and edit staff records (role, dates, pay type, documents)"),
}

DEFAULT_GRANTS: dict[str, list[str]] = {
    "campaign_manager": [
        "volunteers.view", "volunteers.manage", "volunteers.self", "volunteers.staff",
    ],
    "field_organiser": ["volunteers.view", "volunteers.manage", "volunteers.self"],
    "data_manager": ["volunteers.view"],
    "communications": ["volunteers.self"],
    "volunteer": ["volunteers.self"],
}  # fmt: skip
