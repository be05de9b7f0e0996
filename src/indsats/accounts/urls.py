from django.urls import path

from indsats.accounts import views

app_name = "accounts"

urlpatterns = [
    path("log-ind/", views.LoginView.as_view(), name="login"),
    path("log-ud/", views.LogoutView.as_view(), name="logout"),
    path("tofaktor/", views.two_factor, name="two_factor"),
    path("bekraeft-adgangskode/", views.confirm_password, name="confirm_password"),
    path("adgangskode/", views.PasswordChangeView.as_view(), name="password_change"),
    path("adgangskode/skiftet/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("glemt-adgangskode/", views.PasswordResetView.as_view(), name="password_reset"),
    path("glemt-adgangskode/sendt/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "nulstil/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("nulstil/faerdig/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("organisationer/", views.organisation_list, name="organisation_list"),
    path("organisationer/ny/", views.organisation_edit, name="organisation_create"),
    path("organisationer/<id:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisationer/<id:pk>/rediger/", views.organisation_edit, name="organisation_edit"),
    path("personer/", views.person_list, name="person_list"),
    path("personer/ny/", views.person_edit, name="person_create"),
    path("personer/<id:pk>/", views.person_detail, name="person_detail"),
    path("personer/<id:pk>/rediger/", views.person_edit, name="person_edit"),
    path("roller/<id:pk>/fjern/", views.role_revoke, name="role_revoke"),
]
