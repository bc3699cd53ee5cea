"""factory_boy factories for core's models (``JobFactory()``; ``created_by=user`` for a user's)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from grassroots.core.models import Job


class JobFactory(DjangoModelFactory):
    class Meta:
        model = Job

    kind = "test"
    title = factory.Sequence(lambda n: f"Job {n}")
    status = Job.Status.QUEUED
    created_by = None
