from django.urls import path

from grassroots.volunteers import views

app_name = "volunteers"

urlpatterns = [
    # a host logs hours for their event's attendees: under the check-in screen's addresses
    path("events/checkin/<uuid:public_id>/hours/<int:pk>/", views.AttendeeHoursView.as_view(),
         name="checkin_hours"),
    path("events/host/<str:host>/hours/<int:pk>/", views.AttendeeHoursView.as_view(),
         name="host_hours"),
    path("volunteers/", views.VolunteerListView.as_view(), name="volunteer_list"),
    path("volunteers/<int:pk>/", views.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("volunteers/<int:pk>/onboarding/", views.OnboardingView.as_view(), name="onboarding"),
    path("volunteers/<int:pk>/invite/", views.InviteView.as_view(), name="invite"),
    path("volunteers/add/<int:person_pk>/", views.ProfileCreateView.as_view(),
         name="profile_create"),
    path("volunteers/tasks/", views.TaskBoardView.as_view(), name="task_board"),
    path("volunteers/tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("volunteers/tasks/<int:pk>/assign/", views.TaskAssignView.as_view(), name="task_assign"),
    path("volunteers/my-tasks/", views.MyTasksView.as_view(), name="my_tasks"),
    path("volunteers/assignments/<int:pk>/done/", views.AssignmentCompleteView.as_view(),
         name="assignment_complete"),
    path("volunteers/hours/", views.HoursListView.as_view(), name="hours_list"),
    path("volunteers/hours/log/", views.HoursLogView.as_view(), name="hours_log"),
    path("volunteers/hours/<int:pk>/decide/", views.HoursDecideView.as_view(),
         name="hours_decide"),
    path("volunteers/teams/", views.TeamListView.as_view(), name="team_list"),
    path("volunteers/teams/<int:pk>/leaders/", views.TeamLeadersView.as_view(),
         name="team_leaders"),
    path("volunteers/leaderboard/", views.LeaderboardView.as_view(), name="leaderboard"),
    path("volunteers/staff/", views.StaffListView.as_view(), name="staff_list"),
    path("volunteers/staff/documents/<int:pk>/", views.StaffDocumentView.as_view(),
         name="staff_document"),
    path("volunteer/", views.SignupView.as_view(), name="signup"),
    path("volunteers/tasks/<int:pk>/edit/", views.TaskEditView.as_view(), name="task_edit"),
    path("volunteers/tasks/<int:pk>/cancel/", views.TaskCancelView.as_view(),
         name="task_cancel"),
    path("volunteers/teams/<int:pk>/edit/", views.TeamEditView.as_view(), name="team_edit"),
    path("volunteers/teams/<int:pk>/delete/", views.TeamDeleteView.as_view(),
         name="team_delete"),
]  # fmt: skip
