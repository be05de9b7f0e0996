from django.urls import path

from indsats.governance import views

app_name = "governance"

urlpatterns = [
    path("", views.index, name="index"),
    path("moeder/nyt/", views.meeting_new, name="meeting_new"),
    path("moeder/<int:pk>/", views.meeting_detail, name="meeting"),
    path("moeder/<int:pk>/punkter/", views.agenda_item_add, name="agenda_item_add"),
    path("moeder/<int:pk>/fremmoede/", views.meeting_open, name="meeting_open"),
    path("moeder/<int:pk>/afslut/", views.meeting_close, name="meeting_close"),
    path("moeder/<int:pk>/referat.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("punkter/<int:item_pk>/inhabilitet/", views.recusal_add, name="recusal_add"),
    path("punkter/<int:item_pk>/beslutning/", views.item_decide, name="item_decide"),
    path("betingelser/", views.conditions, name="conditions"),
    path("betingelser/<int:condition_pk>/", views.condition_change, name="condition_change"),
    path("drift/", views.operation_reports, name="operation_reports"),
    path("drift/<int:report_pk>/", views.operation_answer, name="operation_answer"),
    path("udmoentning/<int:year_pk>/", views.allocation_year, name="allocation_year"),
]
