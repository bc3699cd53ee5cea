from django.urls import include, path

from grassroots.messaging import views
from grassroots.messaging.automations import views as automation_views
from grassroots.messaging.broadcasts import views as broadcast_views
from grassroots.messaging.inbox import views as inbox_views
from grassroots.messaging.replies import views as reply_views
from grassroots.messaging.texting import views as texting_views

app_name = "messaging"

urlpatterns = [
    path("messaging/", broadcast_views.BroadcastListView.as_view(), name="broadcast_list"),
    path(
        "messaging/broadcasts/new/",
        broadcast_views.BroadcastCreateView.as_view(),
        name="broadcast_create",
    ),
    path(
        "messaging/broadcasts/<int:pk>/",
        broadcast_views.BroadcastDetailView.as_view(),
        name="broadcast_detail",
    ),
    path(
        "messaging/broadcasts/<int:pk>/stats/",
        broadcast_views.BroadcastStatsView.as_view(),
        name="broadcast_stats",
    ),
    path(
        "messaging/broadcasts/<int:pk>/<slug:action>/",
        broadcast_views.BroadcastActionView.as_view(),
        name="broadcast_action",
    ),
    path("messaging/templates/", views.TemplateListView.as_view(), name="template_list"),
    path("messaging/templates/new/", views.TemplateEditView.as_view(), name="template_create"),
    path("messaging/templates/<int:pk>/", views.TemplateEditView.as_view(), name="template_edit"),
    path(
        "messaging/templates/<int:pk>/preview/",
        views.TemplatePreviewView.as_view(),
        name="template_preview",
    ),
    path(
        "messaging/automations/",
        automation_views.AutomationListView.as_view(),
        name="automation_list",
    ),
    path(
        "messaging/automations/new/",
        automation_views.AutomationEditView.as_view(),
        name="automation_create",
    ),
    path(
        "messaging/automations/<int:pk>/",
        automation_views.AutomationEditView.as_view(),
        name="automation_edit",
    ),
    path(
        "messaging/automations/<int:pk>/people/",
        automation_views.AutomationPeopleView.as_view(),
        name="automation_people",
    ),
    path("messaging/texting/", texting_views.CampaignListView.as_view(), name="texting_list"),
    path("messaging/texting/new/", texting_views.CampaignEditView.as_view(), name="texting_create"),
    path(
        "messaging/texting/<int:pk>/",
        texting_views.CampaignDetailView.as_view(),
        name="texting_detail",
    ),
    path(
        "messaging/texting/<int:pk>/edit/",
        texting_views.CampaignEditView.as_view(),
        name="texting_edit",
    ),
    path(
        "messaging/texting/<int:pk>/text/",
        texting_views.TexterView.as_view(),
        name="texting_texter",
    ),
    path(
        "messaging/texting/<int:pk>/c/<int:contact_pk>/",
        texting_views.ConversationView.as_view(),
        name="texting_conversation",
    ),
    path("messaging/inbox/", inbox_views.InboxView.as_view(), name="inbox"),
    path("messaging/suppressions/", inbox_views.SuppressionView.as_view(), name="suppressions"),
    path("messaging/inbox/<int:pk>/", inbox_views.ThreadView.as_view(), name="inbox_thread"),
    path("messaging/accounts/", views.AccountListView.as_view(), name="account_list"),
    path("messaging/accounts/new/", views.AccountEditView.as_view(), name="account_create"),
    path("messaging/accounts/<int:pk>/", views.AccountEditView.as_view(), name="account_edit"),
    path("messaging/people/<int:pk>/send/", views.PersonSendView.as_view(), name="person_send"),
    path("messaging/hooks/<uuid:uuid>/", reply_views.webhook, name="webhook"),
    path("messaging/anymail/", include((reply_views.esp_webhook_urls(), "anymail"))),
    path("u/<str:token>/", reply_views.UnsubscribeView.as_view(), name="unsubscribe"),
    path("m/o/<str:token>", reply_views.tracking_open, name="open"),
    path("m/c/<str:token>/", reply_views.tracking_click, name="click"),
]
