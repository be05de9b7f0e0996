from django.urls import path

from indsats.history import views

app_name = "history"

urlpatterns = [
    path("", views.trail, name="trail"),
    path("<int:content_type_id>/<str:object_id>/", views.object_history, name="object_history"),
]
