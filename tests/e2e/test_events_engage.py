"""End-to-end (events engagement): on a phone, the host checks a registrant in by scanning the QR
code of their ticket (the scanner is handed a photo of the code through the screen's file input,
the fallback for phones without camera permission; jsQR decodes it in the page), and it shows on
the person's timeline; a town hall collects a question that a moderator marks answered, and it
is on the public answered list afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
import qrcode
from django.utils import timezone
from playwright.sync_api import expect

from grassroots.events import services as event_services
from grassroots.events.checkin import services as checkin
from grassroots.events.models import Event, EventType, Registration
from grassroots.events.tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _event_types(transactional_db):
    event_services.event_types_ensure()  # the flush removed the seeded types


def test_the_host_scans_a_ticket_on_a_phone(page, live_server, login, geo, users, people, tmp_path):
    event = EventFactory(area=geo["p1"], title="Phone bank Bhabanipur")
    reg = RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])
    other = EventFactory(area=geo["p1"], title="Rally")
    stranger = RegistrationFactory(shift=other.shifts.first(), person=people["rahul"])
    photo, wrong = tmp_path / "ticket.png", tmp_path / "other.png"
    qrcode.make(checkin.ticket_url(reg)).save(photo)
    qrcode.make(checkin.ticket_url(stranger)).save(wrong)

    page.set_viewport_size(PHONE)
    # the attendee's ticket shows the code
    page.goto(f"{live_server.url}/e/r/{reg.token}/")
    expect(page.get_by_role("img", name="Your check-in QR code")).to_be_visible()

    login(page, "organiser")
    page.goto(f"{live_server.url}/events/checkin/{event.public_id}/")
    row = page.locator(f"[data-registration='{reg.pk}']")
    expect(row).to_contain_text("Not recorded")
    # a ticket for another event is refused, clearly
    page.get_by_label("No camera? Take or choose a photo of the QR code").set_input_files(wrong)
    expect(page.locator("[data-scan-result]")).to_contain_text("another event")
    # the right one checks Ananya in, and the list follows
    page.get_by_label("No camera? Take or choose a photo of the QR code").set_input_files(photo)
    expect(page.locator("[data-scan-result]")).to_contain_text("Ananya Das is checked in")
    expect(row).to_contain_text("Attended")
    reg.refresh_from_db()
    assert reg.attendance == Registration.Attendance.ATTENDED
    stranger.refresh_from_db()
    assert stranger.attendance == Registration.Attendance.UNKNOWN

    page.goto(f"{live_server.url}/people/{reg.person_id}/")
    expect(page.locator("body")).to_contain_text("Phone bank Bhabanipur")


def test_a_town_hall_question_is_marked_answered(page, live_server, login, geo, users, people):
    town_hall = EventFactory(
        area=geo["p1"], title="Town hall with the candidate",
        type=EventType.objects.get(slug="town_hall"), virtual_url="https://meet.example.org/th",
    )  # fmt: skip
    reg = RegistrationFactory(shift=town_hall.shifts.first(), person=people["ananya"])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/e/r/{reg.token}/")
    page.get_by_label("Your question").fill("When will the <b>water</b> supply be fixed?")
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator("#ask")).to_contain_text("When will the <b>water</b> supply be fixed?")

    login(page, "organiser")
    page.goto(f"{live_server.url}/events/questions/{town_hall.public_id}/")
    question = page.locator("[data-question]").first
    question.get_by_role("button", name="Star").click()
    page.locator("[data-question]").first.get_by_role("button", name="Mark answered").click()
    expect(page.locator("[data-question]").first.locator("[data-answered]")).to_be_visible()

    Event.objects.filter(pk=town_hall.pk).update(  # the town hall is over
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    page.goto(f"{live_server.url}/events/answered/{town_hall.public_id}/")
    expect(page.locator("#answered")).to_contain_text("When will the <b>water</b> supply be fixed?")


def _y4m(png, path, size=480, frames=10):
    """A short .y4m video of a picture (Chromium's fake camera plays it in a loop)."""
    from PIL import Image

    img = Image.open(png).convert("RGB")
    canvas = Image.new("RGB", (size, size), "white")
    img.thumbnail((size - 40, size - 40))
    canvas.paste(img, ((size - img.width) // 2, (size - img.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (size // 2, size // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)


def test_the_host_scans_with_the_phone_camera_in_bengali(
    browser_type, live_server, geo, users, people, password, tmp_path
):
    """The camera path: Chromium's fake camera shows the ticket's QR code; the page is in
    Bengali (the screen's words and the scanner's answer)."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    event = EventFactory(area=geo["p1"], title="Phone bank Bhabanipur")
    reg = RegistrationFactory(shift=event.shifts.first(), person=people["ananya"])
    png, video = tmp_path / "ticket.png", tmp_path / "ticket.y4m"
    qrcode.make(checkin.ticket_url(reg)).save(png)
    _y4m(png, video)
    browser = browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
              "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"],
    )  # fmt: skip
    try:
        context = browser.new_context(viewport=PHONE, locale="bn-IN")
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill("organiser")
        page.locator("input[name=password]").fill(password)
        page.locator("form [type=submit]").last.click()
        page.wait_for_load_state()
        context.add_cookies([{"name": "django_language", "value": "bn", "url": live_server.url}])
        page.goto(f"{live_server.url}/events/checkin/{event.public_id}/")
        page.get_by_role("button", name="ক্যামেরা চালু করুন").click()
        expect(page.locator("[data-scan-result]")).to_contain_text("উপস্থিতি নথিভুক্ত হয়েছে")
        expect(page.locator(f"[data-registration='{reg.pk}']")).to_contain_text("উপস্থিত")
        assert not errors
    finally:
        browser.close()
    reg.refresh_from_db()
    assert reg.attendance == Registration.Attendance.ATTENDED
