from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PROVIDER_MODULES = ("simulator", "twilio", "msg91", "whatsapp", "smtp", "esp")


class MessagingConfig(AppConfig):
    name = "grassroots.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        import importlib

        from grassroots.core import events
        from grassroots.core.registry import (
            DemoSeeder,
            NavItem,
            PersonPanel,
            demo_seeders,
            every_minute,
            nav_items,
            person_panels,
            timeline_sources,
        )
        from grassroots.messaging import demo, panels, selectors, sending, tasks, tick
        from grassroots.messaging.automations import services as automations
        from grassroots.messaging.inbox import services as inbox
        from grassroots.messaging.texting import services as texting

        sending.simulator_webhooks = tasks.simulator_webhooks_task.enqueue
        from grassroots.messaging.replies import webhooks

        webhooks.schedule = tasks.webhook_events_apply_task.enqueue
        from django.db.models.signals import post_delete, post_save

        from grassroots.messaging.models import ProviderAccount

        for signal in (post_save, post_delete):  # a changed account is read again
            signal.connect(webhooks.forget_accounts, sender=ProviderAccount,
                           dispatch_uid=f"grassroots-webhook-accounts-{signal is post_save}")  # fmt: skip
        for name in PROVIDER_MODULES:
            importlib.import_module(f"grassroots.messaging.providers.{name}")
        nav_items.register(
            NavItem(_("Messaging"), "messaging:broadcast_list", "messaging.send", 30)
        )
        nav_items.register(NavItem(_("Texting"), "messaging:texting_list", "messaging.text", 31))
        timeline_sources.register(selectors.timeline_entries)
        every_minute.register(tick.messaging_tick)
        demo_seeders.register(DemoSeeder(demo.seed, 100))  # after people
        demo_seeders.register(DemoSeeder(demo.seed_more, 110))
        # after the surveys' seeder (120): the campaign's canned responses answer "2026 ID"
        demo_seeders.register(DemoSeeder(demo.seed_texting, 130))
        # the kinds of automation step messaging knows (higher apps register theirs)
        from grassroots.messaging.automations import steps as automation_steps

        automation_steps.register_builtins()
        # automations start from any event about a person (the catalogue says which)
        events.subscriber(lambda t: t.about_a_person, key=automations.SUBSCRIBER_KEY)(
            automations.on_event
        )
        # a reply is threaded in the inbox, or handed back to its P2P texter
        events.subscriber("message.received", key=inbox.SUBSCRIBER_KEY)(inbox.on_message_received)
        events.subscriber("message.received", key=texting.SUBSCRIBER_KEY)(
            texting.on_message_received
        )
        from anymail.signals import tracking

        from grassroots.messaging.replies import esp

        tracking.connect(esp.on_tracking, dispatch_uid="grassroots-esp-tracking")
        person_panels.register(PersonPanel("messaging/_person_panel.html", panels.person_panel, 40))
