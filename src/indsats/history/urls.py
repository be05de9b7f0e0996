from django.urls import path

from indsats.history import views

app_name = "history"

urlpatterns = [
    path("", views.trail, name="trail"),
    path("<id:content_type_id>/<id:object_id>/", views.object_history, name="object_history"),
]
