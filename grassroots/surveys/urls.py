from django.urls import path

from grassroots.surveys import views

app_name = "surveys"

urlpatterns = [
    path("scripts/", views.ScriptListView.as_view(), name="script_list"),
    path("scripts/<int:pk>/", views.ScriptDetailView.as_view(), name="script_detail"),
    path("scripts/<int:pk>/preview/", views.ScriptPreviewView.as_view(), name="script_preview"),
    path("people/<int:person_pk>/scripts/<int:pk>/answer/", views.AnswerView.as_view(),
         name="answer"),
]  # fmt: skip
