"""The messaging compliance layer: may this message go to this person now, and if not, when?

Pure Python: no models, no database, no network. The local rules (sending hours, consent,
frequency caps, election silence periods, opt-out footers) live as data in
``data/jurisdictions.json``; ``jurisdictions`` reads them into ``Profile`` objects, ``zones``
places the recipient, and this module applies them.

The send service builds a ``Recipient`` from what it knows about a person (latest consent for
the channel × purpose, STOP replies, suppression, how many messages went out recently, poll
closing times in the person's constituency) and calls ``decide``:

* ``send``  — go ahead now;
* ``hold``  — not now; ``until`` is the earliest UTC instant all time rules allow (exact to the
  minute, never early). Call ``decide`` again at that time: counts and consent may have changed;
* ``block`` — do not send this message (opted out, no consent, cap reached, window passed, …).

A reply that may be an opt-out and is not applied yet (``Recipient.opt_out_pending``) holds
every message to that address, the system's confirmations too (``pending_hold``): a STOP is
never overtaken by a later message to that number.

Times are judged in the recipient's local time. When the zone is uncertain (a phone number or
country that spans several zones) every candidate zone must allow the time: the conservative
choice, so nobody is woken up by a guess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from grassroots.messaging.sending.jurisdictions import (
    CHANNELS,
    CONSENT_STATUSES,
    PHONE_CHANNELS,
    PURPOSES,
    Blackout,
    FrequencyCap,
    Profile,
    Window,
    parse_profiles,
    profile_for,
    profiles,
)
from grassroots.messaging.sending.zones import (
    country_for_phone,
    unique_zones,
    zones_for,
)
from grassroots.people import contact

__all__ = [
    "CHANNELS",
    "PURPOSES",
    "SEND",
    "Blackout",
    "Decision",
    "FrequencyCap",
    "Profile",
    "Recipient",
    "Window",
    "cap_window_days",
    "channel_for_consent",
    "country_for_phone",
    "decide",
    "footer_for",
    "parse_profiles",
    "pending_hold",
    "profile_for",
    "profile_for_recipient",
    "profiles",
    "recipient_country",
    "zones_for",
]

UTC = dt.UTC
_DAY = 24 * 60
_HORIZON = dt.timedelta(days=8)
PENDING_RECHECK = dt.timedelta(
    seconds=30
)  # a held message looks again after the STOP is in  # beyond the silence periods: hours rules repeat daily


# --- recipients and decisions --------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """What the compliance layer needs to know about one person on one channel."""

    channel: str  # "sms" | "whatsapp" | "email" | "voice"
    address: str  # E.164 or email address
    purpose: str = "campaign"
    country: str | None = None  # from the person's address; else derived from the phone
    zone: str | None = None  # an explicit IANA zone if known
    consent: str | None = None  # latest consent for channel × purpose: granted/withdrawn/None
    opted_out: bool = False  # replied STOP on this channel (email: unsubscribed)
    do_not_contact: bool = False
    suppressed: bool = False  # suppression list / hard bounce / wrong number
    recent_count: int = 0  # messages sent on this channel within the profile's cap window
    poll_closes: tuple[dt.datetime, ...] = ()  # aware poll-closing times in their constituency
    # a reply from this address that may be an opt-out (STOP, "stop texting me", a wrong
    # number) is stored but not applied yet: nothing may overtake it (ADR 0016)
    opt_out_pending: bool = False

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")
        if self.purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {self.purpose!r}")
        if self.consent not in (None, "", *CONSENT_STATUSES):
            raise ValueError(f"unknown consent status {self.consent!r}")
        for close in self.poll_closes:
            if close.tzinfo is None or close.utcoffset() is None:
                raise ValueError("poll_closes must be aware datetimes")

    @property
    def phone(self) -> str | None:
        return self.address if self.channel in PHONE_CHANNELS else None


@dataclass(frozen=True)
class Decision:
    """The answer for one message: ``send``, ``hold`` (until ``until``, aware UTC) or
    ``block``. ``code`` is machine-readable ("" for send), ``reason`` a translated sentence."""

    action: str  # "send" | "hold" | "block"
    code: str
    reason: str
    until: dt.datetime | None = None
    profile: str = ""


SEND = Decision("send", "", "")


def channel_for_consent(channel: str) -> str:
    """The ``people.Consent`` channel that covers a messaging channel: voice → phone."""
    return contact.consent_channel(channel)


def recipient_country(recipient: Recipient) -> str | None:
    """The recipient's country: the address country, else the phone number's."""
    if recipient.country:
        return recipient.country.strip().upper()
    return country_for_phone(recipient.phone) if recipient.phone else None


def profile_for_recipient(recipient: Recipient) -> Profile:
    """The profile that governs messages to this recipient."""
    return profile_for(recipient_country(recipient))


def cap_window_days(recipient_or_profile: Recipient | Profile, channel: str) -> int:
    """How many days back ``Recipient.recent_count`` must count for ``channel`` (0 = uncapped)."""
    profile = (
        recipient_or_profile
        if isinstance(recipient_or_profile, Profile)
        else profile_for_recipient(recipient_or_profile)
    )
    cap = profile.frequency_cap.get(channel)
    return cap.days if cap else 0


def footer_for(recipient: Recipient) -> str:
    """The opt-out footer the first message to this recipient must carry ("" if none)."""
    return profile_for_recipient(recipient).first_message_footer.get(recipient.channel, "")


def _channel_label(channel: str) -> str:
    return {
        "sms": _("SMS"),
        "whatsapp": _("WhatsApp"),
        "email": _("email"),
        "voice": _("voice"),
    }.get(channel, channel)


def _purpose_label(purpose: str) -> str:
    return {
        "campaign": _("campaign"),
        "fundraising": _("fundraising"),
        "volunteering": _("volunteering"),
        "research": _("research"),
    }.get(purpose, purpose)


# --- time rules ----------------------------------------------------------------------------


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


def _local_minute(t: dt.datetime, zone: ZoneInfo) -> int:
    local = t.astimezone(zone)
    return local.hour * 60 + local.minute


def _offset_at(seconds: int, zone: ZoneInfo) -> dt.timedelta | None:
    return dt.datetime.fromtimestamp(seconds, UTC).astimezone(zone).utcoffset()


def _next_local_minute(t: dt.datetime, zone: ZoneInfo, target: int) -> dt.datetime:
    """The first instant after ``t`` at which the local clock in ``zone`` reads ``target``
    (minutes after midnight), or — if the UTC offset changes first — the instant of that
    change, so the caller re-evaluates there. Never later than the true answer."""
    local = t.astimezone(zone)
    minute = local.hour * 60 + local.minute
    delta = (target - minute) % _DAY or _DAY
    start_of_minute = t - dt.timedelta(seconds=local.second, microseconds=local.microsecond)
    candidate = start_of_minute + dt.timedelta(minutes=delta)
    offset = local.utcoffset()
    if candidate.astimezone(zone).utcoffset() == offset:
        return candidate
    # A DST (or other) transition lies in (t, candidate]: find it to the second.
    lo, hi = math.floor(t.timestamp()), math.ceil(candidate.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(mid, zone) == offset:
            lo = mid
        else:
            hi = mid
    return dt.datetime.fromtimestamp(hi, UTC)


@dataclass(frozen=True)
class _Daily:
    """Allowed only while the local time in ``zone`` is inside ``window``."""

    kind: str  # "quiet_hours" | "blackout"
    zone: ZoneInfo
    window: Window  # the allowed range

    def allows(self, t: dt.datetime) -> bool:
        return self.window.contains(_local_minute(t, self.zone))

    def next_change(self, t: dt.datetime) -> dt.datetime:
        return _next_local_minute(t, self.zone, self.window.start)


@dataclass(frozen=True)
class _Silence:
    """Forbidden in ``[start, end)``: the silence period before a poll closes at ``end``."""

    start: dt.datetime
    end: dt.datetime

    def allows(self, t: dt.datetime) -> bool:
        return not self.start <= t < self.end

    def next_change(self, t: dt.datetime) -> dt.datetime:
        return self.end


def _time_rules(recipient: Recipient, profile: Profile) -> list[_Daily | _Silence]:
    channel, purpose = recipient.channel, recipient.purpose
    rules: list[_Daily | _Silence] = []
    hours = profile.allowed_hours.get(channel)
    blackout = profile.campaign_blackout
    blackout_applies = (
        blackout is not None and channel in blackout.channels and purpose in blackout.purposes
    )
    if hours is not None or blackout_applies:
        zones = zones_for(
            phone=recipient.phone, country=recipient_country(recipient), zone=recipient.zone
        )
        if hours is not None:
            rules += [_Daily("quiet_hours", z, hours) for z in zones]
        if blackout_applies:
            allowed = Window(blackout.window.end, blackout.window.start)
            rules += [_Daily("blackout", z, allowed) for z in zones]
    hours_before = profile.silence_hours_before_poll_close
    if hours_before and channel in profile.silence_channels and purpose in profile.silence_purposes:
        for close in recipient.poll_closes:
            end = close.astimezone(UTC)
            rules.append(_Silence(end - dt.timedelta(hours=hours_before), end))
    return rules


def _earliest_allowed(
    rules: list[_Daily | _Silence], now: dt.datetime, limit: dt.datetime
) -> dt.datetime | None:
    """The first instant >= ``now`` that every rule allows, or ``None`` if none before
    ``limit``. Each forbidding rule says the earliest instant it could stop forbidding; we jump
    to the latest of those (no allowed instant can lie before it) and check again."""
    t = now
    while t <= limit:
        blocking = [r for r in rules if not r.allows(t)]
        if not blocking:
            return t
        t = max(r.next_change(t) for r in blocking)
    return None


def _describe_instant(t: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> str:
    local = t.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M %Z")
    return local.strftime("%Y-%m-%d %H:%M %Z")


def _zone_list(zones: list[ZoneInfo]) -> str:
    names = [z.key for z in zones]
    if len(names) <= 3:
        return ", ".join(names)
    return _("%(zones)s and %(count)d more") % {
        "zones": ", ".join(names[:3]),
        "count": len(names) - 3,
    }


def pending_hold(recipient: Recipient, now: dt.datetime) -> Decision | None:
    """Hold while a reply from this address that may be an opt-out waits to be applied; the
    send path asks this of every message, the system's confirmations included."""
    if not recipient.opt_out_pending:
        return None
    reason = _("A reply from this address that may be an opt-out is being processed; held.")
    return Decision("hold", "opt_out_pending", reason, _utc(now, "now") + PENDING_RECHECK)


def _block(code: str, reason: str, profile: Profile) -> Decision:
    return Decision("block", code, reason, None, profile.code)


def decide(
    recipient: Recipient,
    *,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
    channel_cap: bool = True,
) -> Decision:
    """Decide whether a message may go to ``recipient`` at ``now`` (aware).

    Checks in order: do-not-contact, opted out, suppressed, consent withdrawn, consent required
    but missing, frequency cap (skipped when ``channel_cap`` is false) — each a ``block`` —
    then a reply that may be an opt-out still being processed (``hold``, ``pending_hold``),
    then the time rules: allowed hours in every candidate zone, the campaign blackout and the
    pre-poll silence period. If a time rule forbids ``now`` the answer is ``hold`` with
    ``until`` = the earliest instant (UTC, exact to the minute) at which all time rules allow
    sending; if that is after ``expires_at`` the answer is ``block``/``window_passed``.
    """
    now = _utc(now, "now")
    expires = _utc(expires_at, "expires_at") if expires_at is not None else None
    profile = profile_for_recipient(recipient)
    channel, purpose = recipient.channel, recipient.purpose

    class _Labels(dict):
        """The translated labels, made only when a reason is written (not for a "send")."""

        def __missing__(self, key: str) -> str:
            value = {
                "channel": _channel_label,
                "purpose": _purpose_label,
                "profile": lambda _v: profile.name,
            }[key](channel if key == "channel" else purpose)
            self[key] = value
            return value

    params = _Labels()

    if recipient.do_not_contact:
        return _block("do_not_contact", _("This person is marked do not contact."), profile)
    if recipient.opted_out:
        if channel == "email":
            reason = _("This person unsubscribed from email.")
        else:
            reason = _("This person opted out of %(channel)s messages.") % params
        return _block("opted_out", reason, profile)
    if recipient.suppressed:
        reason = _("This address is suppressed (suppression list, hard bounce or wrong number).")
        return _block("suppressed", reason, profile)
    if recipient.consent == "withdrawn":
        reason = _("This person withdrew consent to %(purpose)s messages by %(channel)s.")
        return _block("consent_withdrawn", reason % params, profile)
    if profile.require_consent.get(channel, True) and recipient.consent != "granted":
        reason = _(
            "%(profile)s rules require recorded consent for %(purpose)s messages by "
            "%(channel)s, and there is none."
        )
        return _block("no_consent", reason % params, profile)
    cap = profile.frequency_cap.get(channel)
    if channel_cap and cap is not None and recipient.recent_count >= cap.count:
        reason = _(
            "This person already had %(sent)d %(channel)s messages in the last %(days)d days "
            "(limit %(limit)d)."
        ) % {
            "channel": params["channel"],
            "sent": recipient.recent_count,
            "days": cap.days,
            "limit": cap.count,
        }
        return _block("frequency_cap", reason, profile)

    if (held := pending_hold(recipient, now)) is not None:
        return dataclasses.replace(held, profile=profile.code)

    rules = _time_rules(recipient, profile)
    limit = now + _HORIZON
    limit += sum((r.end - r.start for r in rules if isinstance(r, _Silence)), dt.timedelta())
    until = _earliest_allowed(rules, now, limit)
    if until is None:
        zones = unique_zones(r.zone for r in rules if isinstance(r, _Daily))
        reason = _(
            "No time in the next %(days)d days is within the sending hours in all of %(zones)s."
        ) % {"days": (limit - now).days, "zones": _zone_list(list(zones))}
        return _block("window_passed", reason, profile)
    if expires is not None and until > expires:
        display = unique_zones(r.zone for r in rules if isinstance(r, _Daily)) or (ZoneInfo("UTC"),)
        reason = _(
            "The earliest allowed time (%(until)s) is after this message expires (%(expires)s)."
        ) % {
            "until": _describe_instant(until, display[0], now),
            "expires": _describe_instant(expires, display[0], now),
        }
        return _block("window_passed", reason, profile)
    if until == now:
        return Decision("send", "", "", None, profile.code)

    blocking = [r for r in rules if not r.allows(now)]
    silence = [r for r in blocking if isinstance(r, _Silence)]
    daily = [r for r in blocking if isinstance(r, _Daily)]
    all_zones = unique_zones(r.zone for r in rules if isinstance(r, _Daily))
    display_zone = daily[0].zone if daily else (all_zones[0] if all_zones else ZoneInfo("UTC"))
    when = _describe_instant(until, display_zone, now)
    if silence:
        close = max(r.end for r in silence)
        reason = _(
            "Election silence period: polls close at %(close)s and no %(purpose)s messages may "
            "go in the %(hours)d hours before; held until %(until)s."
        ) % {
            "purpose": params["purpose"],
            "close": _describe_instant(close, display_zone, now),
            "hours": profile.silence_hours_before_poll_close,
            "until": when,
        }
        return Decision("hold", "silence_period", reason, until, profile.code)
    quiet = [r for r in daily if r.kind == "quiet_hours"]
    if quiet:
        reason = _("Quiet hours in %(zones)s (allowed %(start)s–%(end)s); held until %(until)s.")
        window = quiet[0].window
        zones = list(unique_zones(r.zone for r in quiet))
    else:
        reason = _(
            "Campaign blackout in %(zones)s (no campaign messages %(start)s–%(end)s); "
            "held until %(until)s."
        )
        assert profile.campaign_blackout is not None
        window = profile.campaign_blackout.window
        zones = list(unique_zones(r.zone for r in daily))
    reason %= {
        "zones": _zone_list(zones),
        "start": window.start_text,
        "end": window.end_text,
        "until": when,
    }
    return Decision("hold", "quiet_hours", reason, until, profile.code)
