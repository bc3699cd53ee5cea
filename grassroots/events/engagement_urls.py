"""Addresses of the engagement parts (under /events/, in the ``events`` namespace)."""

from django.urls import path

from grassroots.events.checkin import views as checkin
from grassroots.events.proposals import views as proposals
from grassroots.events.reminders import views as reminders
from grassroots.events.townhall import views as townhall

urlpatterns = [
    # reminders' links (public, signed)
    path("r/<str:token>/", reminders.ReminderLinkView.as_view(), name="reminder_link"),
    # the attendee's ticket (public, by the registration's secret token)
    path("ticket/<str:token>/", checkin.TicketView.as_view(), name="ticket"),
    path("ticket/<str:token>/qr.svg", checkin.ticket_qr, name="ticket_qr"),
    path("ticket/<str:token>/ask/", townhall.AskView.as_view(), name="ask"),
    # check-in: staff by the event's public id, a host by their signed link
    path("checkin/<uuid:public_id>/", checkin.CheckinView.as_view(), name="checkin"),
    path(
        "checkin/<uuid:public_id>/mark/<int:pk>/",
        checkin.CheckinMarkView.as_view(),
        name="checkin_mark",
    ),
    path(
        "checkin/<uuid:public_id>/walk-in/",
        checkin.CheckinWalkInView.as_view(),
        name="checkin_walk_in",
    ),
    path("checkin/<uuid:public_id>/scan/", checkin.CheckinScanView.as_view(), name="checkin_scan"),
    path("host/<str:host>/", checkin.CheckinView.as_view(), name="host"),
    path("host/<str:host>/mark/<int:pk>/", checkin.CheckinMarkView.as_view(), name="host_mark"),
    path("host/<str:host>/walk-in/", checkin.CheckinWalkInView.as_view(), name="host_walk_in"),
    path("host/<str:host>/scan/", checkin.CheckinScanView.as_view(), name="host_scan"),
    # town halls
    path("questions/<uuid:public_id>/", townhall.ModerateView.as_view(), name="questions"),
    path("answered/<uuid:public_id>/", townhall.AnsweredView.as_view(), name="answered"),
    # distributed events
    path("propose/", proposals.ProposeView.as_view(), name="propose"),
    path("proposals/", proposals.ProposalListView.as_view(), name="proposals"),
]
