"""The events app's capabilities and what the default roles get of them."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

CAPABILITIES: dict[str, str] = {}

DEFAULT_GRANTS: dict[str, list[str]] = {}
