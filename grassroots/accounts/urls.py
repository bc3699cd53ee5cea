from django.urls import path

from grassroots.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", views.otp_verify, name="otp_verify"),
    path("accounts/2fa/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin-area/users/", views.UserListView.as_view(), name="user_list"),
    path("admin-area/users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("admin-area/users/<int:pk>/", views.UserEditView.as_view(), name="user_edit"),
    path("admin-area/roles/", views.RoleListView.as_view(), name="role_list"),
    path("admin-area/roles/<int:pk>/", views.RoleEditView.as_view(), name="role_edit"),
    path("admin-area/audit/", views.AuditLogView.as_view(), name="audit_list"),
]
