"""What the engagement parts (reminders, check-in, town halls, proposals) register at start-up,
called from ``EventsConfig.ready``."""

from __future__ import annotations


def register() -> None:
    from grassroots.core import events
    from grassroots.core.registry import DemoSeeder, demo_seeders, every_minute
    from grassroots.events import engage_demo
    from grassroots.events.reminders import runners  # noqa: F401 - registers the runner
    from grassroots.events.reminders import services as reminders

    every_minute.register(reminders.reminders_tick)
    demo_seeders.register(DemoSeeder(engage_demo.seed, 125))  # after events' own seeder
    events.subscriber("rsvp.created", key=reminders.SUBSCRIBER_KEY)(reminders.on_rsvp_created)
    events.subscriber("waitlist.promoted", key=reminders.PROMOTED_KEY)(
        reminders.on_waitlist_promoted
    )
    events.subscriber("event.changed", key=reminders.CHANGED_KEY)(reminders.on_event_changed)
    events.subscriber("event.cancelled", key=reminders.CANCELLED_KEY)(reminders.on_event_cancelled)
