"""``core.registry``: what higher apps register is kept once and iterated in ``order``."""

from __future__ import annotations

from grassroots.core.registry import NavItem, Registry, Tile


def test_register_returns_the_item_so_it_works_as_a_decorator():
    reg = Registry()

    @reg.register
    def provider(request):
        return []

    assert provider in reg.items and provider(None) == []


def test_the_same_item_is_registered_once():
    reg = Registry()
    item = NavItem(label="People", url_name="people:person_list")
    reg.register(item)
    reg.register(item)
    assert reg.items == [item]


def test_iteration_is_by_order_then_registration_and_defaults_to_100():
    reg = Registry()
    late = reg.register(Tile(label="late", value=1, order=200))
    plain = reg.register(lambda request: [])  # no order attribute: 100
    early = reg.register(Tile(label="early", value=1, order=10))
    same = reg.register(Tile(label="same as plain", value=1))
    assert list(reg) == [early, plain, same, late]
    assert reg.items == [late, plain, early, same]  # registration order is kept underneath


def test_registries_are_separate():
    a, b = Registry(), Registry()
    a.register("x")
    assert list(b) == []
