from django.urls import path

from indsats.governance import views

app_name = "governance"

urlpatterns = [
    path("", views.index, name="index"),
    path("moeder/nyt/", views.meeting_new, name="meeting_new"),
    path("moeder/<id:pk>/", views.meeting_detail, name="meeting"),
    path("moeder/<id:pk>/punkter/", views.agenda_item_add, name="agenda_item_add"),
    path("moeder/<id:pk>/fremmoede/", views.meeting_open, name="meeting_open"),
    path("moeder/<id:pk>/afslut/", views.meeting_close, name="meeting_close"),
    path("moeder/<id:pk>/referat.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("punkter/<id:item_pk>/inhabilitet/", views.recusal_add, name="recusal_add"),
    path("punkter/<id:item_pk>/beslutning/", views.item_decide, name="item_decide"),
    path("betingelser/", views.conditions, name="conditions"),
    path("betingelser/<id:condition_pk>/", views.condition_change, name="condition_change"),
    path("drift/", views.operation_reports, name="operation_reports"),
    path("drift/<id:report_pk>/", views.operation_answer, name="operation_answer"),
    path("udmoentning/<id:year_pk>/", views.allocation_year, name="allocation_year"),
]
