"""The messaging compliance layer: profiles, zones, and decide(). No database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grassroots.messaging.sending import compliance as c
from grassroots.messaging.sending.compliance import Recipient, decide

UTC = dt.UTC
IST = ZoneInfo("Asia/Kolkata")
LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
IN_MOBILE = "+919876543210"
SF_MOBILE = "+14155550123"
NYC_MOBILE = "+12125550123"
IDAHO_SPLIT = "+12083201234"  # phonenumbers: America/Boise and America/Los_Angeles


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- profiles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("DE", "EU"),
        ("de", "EU"),
        ("GR", "EU"),
        ("IN", "IN"),
        ("US", "US"),
        ("PR", "US"),
        ("GU", "US"),
        ("BR", "DEFAULT"),
        ("GB", "DEFAULT"),
        (None, "DEFAULT"),
        ("", "DEFAULT"),
    ],
)
def test_profile_for(country, code):
    assert c.profile_for(country).code == code


def test_profiles_data_is_complete():
    profiles = c.profiles()
    assert {"US", "IN", "EU", "DEFAULT"} <= set(profiles)
    assert len(profiles["EU"].countries) == 27
    assert profiles["US"].countries == {"US", "PR", "GU", "VI", "AS", "MP"}
    for profile in profiles.values():
        for mapping in (
            profile.allowed_hours,
            profile.require_consent,
            profile.frequency_cap,
            profile.sender_id_required,
            profile.first_message_footer,
        ):
            assert set(mapping) == set(c.CHANNELS)
    assert profiles["IN"].silence_hours_before_poll_close == 48
    assert profiles["US"].silence_hours_before_poll_close == 0
    assert profiles["IN"].allowed_hours["sms"].start_text == "09:00"
    assert profiles["US"].allowed_hours["sms"].end_text == "21:00"
    assert profiles["DEFAULT"].allowed_hours["voice"].end_text == "20:00"
    assert profiles["US"].sender_id_required["sms"] is True
    assert c.profiles() is profiles  # loaded once


def test_parse_profiles_rejects_bad_data():
    good = {"allowed_hours": {"default": {"start": "09:00", "end": "21:00"}}}
    with pytest.raises(ValueError, match="DEFAULT"):
        c.parse_profiles({"US": {**good, "countries": ["US"]}})
    with pytest.raises(ValueError, match="both"):
        c.parse_profiles({"A": {"countries": ["FR"]}, "B": {"countries": ["FR"]}, "DEFAULT": {}})
    with pytest.raises(ValueError, match="HH:MM"):
        c.parse_profiles({"DEFAULT": {"allowed_hours": {"sms": {"start": "9", "end": "21:00"}}}})
    with pytest.raises(ValueError, match="unknown channels"):
        c.parse_profiles({"DEFAULT": {"require_consent": {"fax": True}}})
    parsed = c.parse_profiles({"_doc": {}, "DEFAULT": {**good, "_notes": "ignored"}})
    assert parsed["DEFAULT"].require_consent["sms"] is True  # missing = conservative


def test_channel_for_consent_and_cap_window():
    assert c.channel_for_consent("voice") == "phone"
    assert c.channel_for_consent("sms") == "sms"
    r = Recipient("sms", SF_MOBILE)
    assert c.cap_window_days(r, "sms") == 7
    assert c.cap_window_days(c.profile_for("IN"), "voice") == 7


def test_footer_for():
    assert c.footer_for(Recipient("sms", SF_MOBILE)) == "Reply STOP to opt out."
    assert c.footer_for(Recipient("whatsapp", IN_MOBILE)) == "Reply STOP to opt out."
    assert c.footer_for(Recipient("sms", "+4915112345678")) == "Reply STOP to unsubscribe."
    assert c.footer_for(Recipient("email", "a@example.org", country="US")) == ""
    assert c.footer_for(Recipient("voice", SF_MOBILE)) == ""


# --- zones ---------------------------------------------------------------------------------


def keys(zones):
    return [z.key for z in zones]


def test_country_for_phone():
    assert c.country_for_phone(SF_MOBILE) == "US"
    assert c.country_for_phone("+17875551234") == "PR"
    assert c.country_for_phone(IN_MOBILE) == "IN"
    assert c.country_for_phone("whatsapp:+919876543210") == "IN"
    assert c.country_for_phone("not a number") is None
    assert c.country_for_phone("") is None


def test_zones_for():
    assert keys(c.zones_for(zone="Europe/Berlin", phone=SF_MOBILE)) == ["Europe/Berlin"]
    assert keys(c.zones_for(phone=SF_MOBILE)) == ["America/Los_Angeles"]
    assert keys(c.zones_for(phone=IN_MOBILE)) == ["Asia/Kolkata"]  # not the old Asia/Calcutta
    assert keys(c.zones_for(phone=IDAHO_SPLIT)) == ["America/Boise", "America/Los_Angeles"]
    assert keys(c.zones_for(country="IN")) == ["Asia/Kolkata"]
    assert keys(c.zones_for(country="US")) == [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    ]
    # toll-free: the country's zones, not all of NANP (Guam, Newfoundland, …)
    assert keys(c.zones_for(phone="+18005550123")) == keys(c.zones_for(country="US"))
    assert "America/Sao_Paulo" in keys(c.zones_for(country="BR"))  # from zone.tab
    assert keys(c.zones_for(country="XX")) == ["UTC"]
    assert keys(c.zones_for()) == ["UTC"]
    assert keys(c.zones_for(zone="Not/AZone", country="IN")) == ["Asia/Kolkata"]
    # an Indian mobile of a person whose address is in Germany: trust the address
    assert keys(c.zones_for(phone=IN_MOBILE, country="DE")) == ["Europe/Berlin"]
    assert keys(c.zones_for(phone=SF_MOBILE, country="US")) == ["America/Los_Angeles"]


# --- time rules ----------------------------------------------------------------------------


def test_india_late_evening_held_until_nine_ist():
    now = dt.datetime(2026, 12, 4, 22, 30, tzinfo=IST)
    d = decide(Recipient("sms", IN_MOBILE), now=now)
    assert (d.action, d.code, d.profile) == ("hold", "quiet_hours", "IN")
    assert d.until == utc(2026, 12, 5, 3, 30)
    assert d.until.astimezone(IST) == dt.datetime(2026, 12, 5, 9, 0, tzinfo=IST)
    assert d.until.tzinfo is UTC
    assert "Asia/Kolkata" in d.reason and "09:00" in d.reason and "IST" in d.reason
    assert isinstance(d.reason, str)
    assert decide(Recipient("sms", IN_MOBILE), now=d.until).action == "send"
    assert decide(Recipient("sms", IN_MOBILE), now=d.until - dt.timedelta(seconds=1)).action == (
        "hold"
    )


def test_india_before_nine_and_seconds():
    now = dt.datetime(2026, 12, 5, 8, 59, 30, tzinfo=IST)
    d = decide(Recipient("sms", IN_MOBILE), now=now)
    assert d.until == dt.datetime(2026, 12, 5, 9, 0, tzinfo=IST)
    assert decide(Recipient("sms", IN_MOBILE), now=now.replace(hour=20, minute=59)).action == (
        "send"
    )
    d = decide(Recipient("sms", IN_MOBILE), now=now.replace(hour=21, minute=0, second=0))
    assert d.until == dt.datetime(2026, 12, 6, 9, 0, tzinfo=IST)


def test_us_pacific_early_morning():
    r = Recipient("sms", SF_MOBILE, consent="granted")
    d = decide(r, now=dt.datetime(2026, 6, 4, 7, 30, tzinfo=LA))
    assert (d.action, d.code, d.profile) == ("hold", "quiet_hours", "US")
    assert d.until == dt.datetime(2026, 6, 4, 8, 0, tzinfo=LA)
    assert d.until == utc(2026, 6, 4, 15, 0)
    assert decide(r, now=dt.datetime(2026, 6, 4, 8, 0, tzinfo=LA)).action == "send"
    assert decide(r, now=dt.datetime(2026, 6, 4, 20, 59, tzinfo=LA)).action == "send"


def test_us_area_code_with_two_zones_uses_the_conservative_window():
    r = Recipient("sms", IDAHO_SPLIT, consent="granted")
    # 07:30 Pacific = 08:30 Mountain: Boise allows, Los Angeles does not yet
    d = decide(r, now=dt.datetime(2026, 6, 4, 7, 30, tzinfo=LA))
    assert d.until == dt.datetime(2026, 6, 4, 8, 0, tzinfo=LA)
    # 20:30 Pacific = 21:30 Mountain: Boise is past 21:00, so wait for 08:00 Pacific tomorrow
    d = decide(r, now=dt.datetime(2026, 6, 4, 20, 30, tzinfo=LA))
    assert d.action == "hold"
    assert d.until == dt.datetime(2026, 6, 5, 8, 0, tzinfo=LA)
    assert "America/Boise" in d.reason


def test_country_only_us_recipient_must_fit_every_us_zone():
    r = Recipient("voice", "", country="US", consent="granted")
    # June: 08:00 in Honolulu (UTC-10) = 18:00 UTC is the first minute all zones allow,
    # 21:00 in New York (UTC-4) = 01:00 UTC the end
    d = decide(r, now=utc(2026, 6, 4, 12, 0))
    assert (d.action, d.until) == ("hold", utc(2026, 6, 4, 18, 0))
    assert decide(r, now=utc(2026, 6, 5, 0, 59)).action == "send"
    d = decide(r, now=utc(2026, 6, 5, 1, 0))
    assert d.until == utc(2026, 6, 5, 18, 0)


def test_dst_days_in_new_york():
    r = Recipient("sms", NYC_MOBILE, consent="granted")
    # spring forward 2026-03-08 02:00 EST -> 03:00 EDT: 8 local hours are only 7 real ones
    d = decide(r, now=utc(2026, 3, 8, 5, 0))  # 00:00 EST
    assert d.until == utc(2026, 3, 8, 12, 0)  # 08:00 EDT
    assert d.until.astimezone(NY).hour == 8
    d = decide(r, now=dt.datetime(2026, 3, 7, 21, 30, tzinfo=NY))
    assert d.until == utc(2026, 3, 8, 12, 0)
    # fall back 2026-11-01 02:00 EDT -> 01:00 EST: 9 real hours
    d = decide(r, now=utc(2026, 11, 1, 4, 0))  # 00:00 EDT
    assert d.until == utc(2026, 11, 1, 13, 0)  # 08:00 EST
    assert "EST" in d.reason


def test_window_start_inside_a_dst_gap_is_the_transition_instant():
    rule = c._Daily("quiet_hours", NY, c.Window(2 * 60 + 30, 21 * 60))  # allowed 02:30–21:00
    first = c._earliest_allowed([rule], utc(2026, 3, 8, 5, 0), utc(2026, 3, 10))
    # 02:30 does not exist that night: the clock jumps from 01:59:59 EST to 03:00 EDT
    assert first == utc(2026, 3, 8, 7, 0)
    assert not rule.allows(first - dt.timedelta(minutes=1))


def test_email_has_no_quiet_hours():
    r = Recipient("email", "a@example.org", country="US")
    assert decide(r, now=dt.datetime(2026, 6, 4, 3, 0, tzinfo=NY)).action == "send"


def test_india_campaign_blackout_is_its_own_rule():
    profile = c.profile_for("IN")
    campaign = c._time_rules(Recipient("sms", IN_MOBILE), profile)
    volunteering = c._time_rules(Recipient("sms", IN_MOBILE, purpose="volunteering"), profile)
    assert {r.kind for r in campaign} == {"quiet_hours", "blackout"}
    assert {r.kind for r in volunteering} == {"quiet_hours"}
    blackout = next(r for r in campaign if r.kind == "blackout")
    assert not blackout.allows(dt.datetime(2026, 12, 4, 22, 0, tzinfo=IST))
    assert not blackout.allows(dt.datetime(2026, 12, 5, 5, 59, tzinfo=IST))
    assert blackout.allows(dt.datetime(2026, 12, 5, 6, 0, tzinfo=IST))
    assert blackout.allows(dt.datetime(2026, 12, 4, 21, 59, tzinfo=IST))


POLL_CLOSE = dt.datetime(2026, 4, 29, 18, 0, tzinfo=IST)


def test_silence_period_before_poll_close():
    r = Recipient("sms", IN_MOBILE, poll_closes=(POLL_CLOSE,))
    d = decide(r, now=dt.datetime(2026, 4, 28, 10, 0, tzinfo=IST))
    assert (d.action, d.code) == ("hold", "silence_period")
    # silence is [close - 48h, close); 18:00 IST is inside 09:00–21:00, so it goes at 18:00
    assert d.until == dt.datetime(2026, 4, 29, 18, 0, tzinfo=IST)
    assert d.until == utc(2026, 4, 29, 12, 30)
    assert "48" in d.reason
    assert decide(r, now=d.until).action == "send"
    # the silence starts exactly 48 hours before
    assert decide(r, now=dt.datetime(2026, 4, 27, 17, 59, tzinfo=IST)).action == "send"
    assert decide(r, now=dt.datetime(2026, 4, 27, 18, 0, tzinfo=IST)).code == "silence_period"
    # fundraising and email are silenced too; research and volunteering are not
    for other in (
        Recipient("sms", IN_MOBILE, purpose="fundraising", poll_closes=(POLL_CLOSE,)),
        Recipient("email", "a@example.in", country="IN", poll_closes=(POLL_CLOSE,)),
    ):
        assert decide(other, now=dt.datetime(2026, 4, 28, 10, 0, tzinfo=IST)).action == "hold"
    for purpose in ("research", "volunteering"):
        other = Recipient("sms", IN_MOBILE, purpose=purpose, poll_closes=(POLL_CLOSE,))
        assert decide(other, now=dt.datetime(2026, 4, 28, 10, 0, tzinfo=IST)).action == "send"


def test_silence_then_quiet_hours():
    close = dt.datetime(2026, 4, 29, 21, 30, tzinfo=IST)  # a late close: quiet hours by then
    r = Recipient("sms", IN_MOBILE, poll_closes=(close,))
    d = decide(r, now=dt.datetime(2026, 4, 28, 10, 0, tzinfo=IST))
    assert d.code == "silence_period"
    assert d.until == dt.datetime(2026, 4, 30, 9, 0, tzinfo=IST)


def test_silence_does_not_apply_in_the_us():
    close = dt.datetime(2026, 11, 3, 20, 0, tzinfo=NY)
    r = Recipient("sms", NYC_MOBILE, consent="granted", poll_closes=(close,))
    assert decide(r, now=dt.datetime(2026, 11, 3, 10, 0, tzinfo=NY)).action == "send"


def test_expiry():
    now = dt.datetime(2026, 12, 4, 22, 30, tzinfo=IST)
    r = Recipient("sms", IN_MOBILE)
    d = decide(r, now=now, expires_at=dt.datetime(2026, 12, 5, 8, 0, tzinfo=IST))
    assert (d.action, d.code, d.until) == ("block", "window_passed", None)
    d = decide(r, now=now, expires_at=dt.datetime(2026, 12, 5, 9, 0, tzinfo=IST))
    assert d.action == "hold"
    noon = dt.datetime(2026, 12, 5, 12, 0, tzinfo=IST)
    assert decide(r, now=noon, expires_at=noon - dt.timedelta(minutes=1)).code == "window_passed"
    assert decide(r, now=noon, expires_at=noon).action == "send"


# --- blocks --------------------------------------------------------------------------------

NOON_US = dt.datetime(2026, 6, 4, 12, 0, tzinfo=LA)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"do_not_contact": True}, "do_not_contact"),
        ({"opted_out": True}, "opted_out"),
        ({"suppressed": True}, "suppressed"),
        ({"consent": "withdrawn"}, "consent_withdrawn"),
        ({"consent": None}, "no_consent"),
        ({"recent_count": 4}, "frequency_cap"),
        # order: the first failing check wins
        ({"do_not_contact": True, "opted_out": True, "consent": None}, "do_not_contact"),
        ({"opted_out": True, "suppressed": True}, "opted_out"),
        ({"suppressed": True, "consent": "withdrawn"}, "suppressed"),
        ({"consent": "withdrawn", "recent_count": 9}, "consent_withdrawn"),
    ],
)
def test_block_codes(fields, code):
    r = Recipient("sms", SF_MOBILE, **{"consent": "granted", **fields})
    d = decide(r, now=NOON_US)
    assert (d.action, d.code, d.until) == ("block", code, None)
    assert d.reason and d.profile == "US"
    # blocks win over quiet hours
    assert decide(r, now=dt.datetime(2026, 6, 4, 3, 0, tzinfo=LA)).code == code


def test_email_opt_out_means_unsubscribed():
    d = decide(Recipient("email", "a@example.org", country="US", opted_out=True), now=NOON_US)
    assert d.code == "opted_out" and "unsubscribed" in d.reason


def test_withdrawn_consent_blocks_even_where_no_consent_is_needed():
    r = Recipient("email", "a@example.org", country="US", consent="withdrawn")
    assert decide(r, now=NOON_US).code == "consent_withdrawn"


def test_frequency_cap():
    r = Recipient("sms", SF_MOBILE, consent="granted", recent_count=3)
    assert decide(r, now=NOON_US).action == "send"
    r = Recipient("sms", SF_MOBILE, consent="granted", recent_count=4)
    assert decide(r, now=NOON_US).code == "frequency_cap"
    assert decide(r, now=NOON_US, channel_cap=False).action == "send"
    r = Recipient("voice", SF_MOBILE, consent="granted", recent_count=2)
    assert decide(r, now=NOON_US).code == "frequency_cap"
    r = Recipient("email", "a@example.org", country="US", recent_count=6)
    assert decide(r, now=NOON_US).action == "send"


@pytest.mark.parametrize(
    ("channel", "address", "country", "consent", "action"),
    [
        ("sms", "+4915112345678", None, None, "no_consent"),  # EU: consent only
        ("sms", "+4915112345678", None, "granted", "send"),
        ("email", "a@example.de", "DE", None, "no_consent"),
        ("email", "a@example.org", "US", None, "send"),  # CAN-SPAM: opt-out
        ("sms", SF_MOBILE, None, None, "no_consent"),  # TCPA
        ("whatsapp", SF_MOBILE, None, None, "no_consent"),
        ("voice", SF_MOBILE, None, None, "no_consent"),
        ("sms", IN_MOBILE, None, None, "send"),
        ("voice", IN_MOBILE, None, None, "send"),
        ("whatsapp", IN_MOBILE, None, None, "no_consent"),  # WhatsApp opt-in policy
        ("email", "a@example.com.br", "BR", None, "no_consent"),  # DEFAULT is conservative
        ("sms", "+5511987654321", None, "granted", "send"),
    ],
)
def test_consent_rules_per_profile(channel, address, country, consent, action):
    r = Recipient(channel, address, country=country, consent=consent)
    # 14:00 UTC is inside the sending hours in Berlin, São Paulo, Kolkata and San Francisco
    d = decide(r, now=utc(2026, 6, 4, 14, 0))
    assert (d.code or d.action) == action


def test_bad_input():
    with pytest.raises(ValueError):
        Recipient("fax", "+14155550123")
    with pytest.raises(ValueError):
        Recipient("sms", SF_MOBILE, purpose="marketing")
    with pytest.raises(ValueError):
        Recipient("sms", SF_MOBILE, consent="maybe")
    with pytest.raises(ValueError):
        Recipient("sms", SF_MOBILE, poll_closes=(dt.datetime(2026, 1, 1),))
    with pytest.raises(ValueError):
        decide(Recipient("sms", SF_MOBILE), now=dt.datetime(2026, 1, 1))


# --- properties ----------------------------------------------------------------------------

ZONES = [
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/New_York",
    "America/Los_Angeles",
    "America/St_Johns",
    "America/Santiago",
    "America/Havana",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Apia",
    "Africa/Casablanca",
    "Asia/Tehran",
    "Asia/Beirut",
    "Antarctica/Troll",
    "UTC",
]
nows = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31), timezones=st.just(UTC)
)


def _transitions(year: int) -> list[tuple[str, dt.datetime]]:
    """(zone, instant) of every UTC-offset change in ``year``, found on a 30-minute grid."""
    out = []
    for name in ZONES:
        zone = ZoneInfo(name)
        t = utc(year, 1, 1)
        previous = t.astimezone(zone).utcoffset()
        while t.year == year:
            t += dt.timedelta(minutes=30)
            offset = t.astimezone(zone).utcoffset()
            if offset != previous:
                out.append((name, t))
                previous = offset
    return out


TRANSITIONS = _transitions(2026)


@st.composite
def zone_and_now(draw):
    """A zone and an instant; half the time within a day and a half of a DST change there."""
    if draw(st.booleans()):
        return draw(st.sampled_from(ZONES)), draw(nows)
    zone, instant = draw(st.sampled_from(TRANSITIONS))
    minutes = draw(st.integers(min_value=-36 * 60, max_value=12 * 60))
    seconds = draw(st.integers(min_value=0, max_value=59))
    return zone, instant + dt.timedelta(minutes=minutes, seconds=seconds)


def _assert_no_allowed_minute(rules, now, until):
    assert not all(r.allows(now) for r in rules)
    t = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    while t < until:
        assert not all(r.allows(t) for r in rules), t
        t += dt.timedelta(minutes=1)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone_now=zone_and_now(),
    country=st.sampled_from(["US", "IN", "IN", "DE", "BR"]),
    channel=st.sampled_from(["sms", "whatsapp", "voice", "email"]),
    purpose=st.sampled_from(c.PURPOSES),
    poll_minutes=st.none() | st.integers(min_value=-60 * 60, max_value=80 * 60),
)
def test_hold_is_exact(zone_now, country, channel, purpose, poll_minutes):
    zone, now = zone_now
    closes = () if poll_minutes is None else (now + dt.timedelta(minutes=poll_minutes),)
    address = "a@example.org" if channel == "email" else SF_MOBILE
    r = Recipient(
        channel,
        address,
        purpose=purpose,
        country=country,
        zone=zone,
        consent="granted",
        poll_closes=closes,
    )
    _check_hold(r, now)


def _check_hold(r, now):
    d = decide(r, now=now)
    event(f"{d.action} {d.code}")
    assert d.action in ("send", "hold")
    if d.action == "send":
        return
    assert d.until >= now
    assert d.until.utcoffset() == dt.timedelta(0)
    assert decide(r, now=d.until).action == "send"
    _assert_no_allowed_minute(c._time_rules(r, c.profile_for_recipient(r)), now, d.until)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone_now=zone_and_now(),
    channel=st.sampled_from(["sms", "whatsapp", "voice", "email"]),
    purpose=st.sampled_from(["campaign", "fundraising"]),
    poll_minutes=st.lists(
        st.integers(min_value=-6 * 60, max_value=60 * 60), min_size=1, max_size=2
    ),
)
def test_hold_is_exact_in_the_indian_silence_period(zone_now, channel, purpose, poll_minutes):
    zone, now = zone_now
    closes = tuple(now + dt.timedelta(minutes=m) for m in poll_minutes)
    address = "a@example.in" if channel == "email" else IN_MOBILE
    r = Recipient(
        channel,
        address,
        purpose=purpose,
        country="IN",
        zone=zone,
        consent="granted",
        poll_closes=closes,
    )
    _check_hold(r, now)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone_now=zone_and_now(),
    others=st.lists(st.sampled_from(ZONES), max_size=2),
    start=st.integers(min_value=0, max_value=23 * 60 + 59),
    length=st.integers(min_value=60, max_value=20 * 60),
)
def test_earliest_allowed_over_several_zones(zone_now, others, start, length):
    zone, now = zone_now
    zones = list(dict.fromkeys([zone, *others]))
    window = c.Window(start, (start + length) % (24 * 60) or 24 * 60)
    rules = [c._Daily("quiet_hours", ZoneInfo(z), window) for z in zones]
    limit = now + dt.timedelta(days=3)
    first = c._earliest_allowed(rules, now, limit)
    event("none" if first is None else "now" if first == now else "later")
    if first is None:
        _assert_no_allowed_minute(rules, now, limit)
        return
    assert first >= now
    assert all(r.allows(first) for r in rules)
    if first > now:
        _assert_no_allowed_minute(rules, now, first)
