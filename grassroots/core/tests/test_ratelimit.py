"""The one rate limit of public forms (core.ratelimit): per address, per contact point, each
in its window, contacts compared case-folded; scopes count apart."""

from __future__ import annotations

from grassroots.core import ratelimit


def test_the_address_limit_and_the_contact_limit_count_apart():
    limits = {"per_ip": 3, "window": 60, "per_contact": 2}
    assert ratelimit.allow("t", ip="1.2.3.4", contacts=["A@x.org"], **limits)
    assert ratelimit.allow("t", ip="5.6.7.8", contacts=["a@X.org "], **limits)
    # the same address a third time is fine; the same email (any case) a third time is not
    assert not ratelimit.allow("t", ip="1.2.3.4", contacts=["a@x.org"], **limits)
    assert ratelimit.allow("t", ip="1.2.3.4", contacts=["b@x.org"], **limits)  # its 3rd
    assert not ratelimit.allow("t", ip="1.2.3.4", contacts=["c@x.org"], **limits)  # its 4th
    assert ratelimit.allow("other", ip="1.2.3.4", contacts=["a@x.org"], **limits)  # own count


def test_without_contact_limits_only_the_address_counts():
    for _ in range(2):
        assert ratelimit.allow("p", ip="9.9.9.9", per_ip=2, window=60, contacts=["x"])
    assert not ratelimit.allow("p", ip="9.9.9.9", per_ip=2, window=60)
    assert ratelimit.allow("p", ip=None, per_ip=1, window=60)
    assert not ratelimit.allow("p", ip="", per_ip=1, window=60)  # unknown addresses count as one
