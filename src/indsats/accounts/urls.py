from django.urls import path

from indsats.accounts import views

app_name = "accounts"

urlpatterns = [
    path("log-ind/", views.LoginView.as_view(), name="login"),
    path("log-ud/", views.LogoutView.as_view(), name="logout"),
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
