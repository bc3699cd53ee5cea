"""The domain events the events app publishes (the catalogue, ADR 0009)."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from grassroots.core import events  # noqa: F401
