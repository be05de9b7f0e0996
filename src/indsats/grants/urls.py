from django.urls import URLPattern, URLResolver, path

from indsats.grants import views

app_name = "grants"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("kalender/", views.calendar, name="calendar"),
    path("nyhedsbrev/", views.newsletter, name="newsletter"),
    path("nyhedsbrev/afmeld/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<id:pk>/", views.pool_detail, name="pool_detail"),
    path("<id:pk>/rediger/", views.pool_edit, name="pool_edit"),
    path("<id:pk>/offentliggor/", views.pool_publish, name="pool_publish"),
    path("<id:pk>/rangering/", views.pool_ranking, name="pool_ranking"),
    path("<id:pool_pk>/ansog/", views.application_create, name="application_create"),
    path("programmer/", views.programmes, name="programmes"),
    path("programmer/nyt-aar/", views.programme_year_create, name="programme_year_create"),
    path("programmer/<id:year_pk>/initiativ/", views.initiative_create, name="initiative_create"),
    path("initiativer/<id:initiative_pk>/ny-pulje/", views.pool_create, name="pool_create"),
    path("ansoegninger/", views.application_list, name="application_list"),
    path("ansoegninger/<id:pk>/", views.application_detail, name="application_detail"),
    path("ansoegninger/<id:pk>/rediger/", views.application_edit, name="application_edit"),
    path("ansoegninger/<id:pk>/bilag/", views.attachment_add, name="attachment_add"),
    path("ansoegninger/<id:pk>/medredaktor/", views.co_editor_add, name="co_editor_add"),
    path("ansoegninger/<id:pk>/indsend/", views.application_submit, name="application_submit"),
    path("ansoegninger/<id:pk>/vurder/", views.application_assess, name="application_assess"),
    path("ansoegninger/<id:pk>/bevilg/", views.application_award, name="application_award"),
    path("ansoegninger/<id:pk>/afslaa/", views.application_reject, name="application_reject"),
    path("ansoegninger/<id:pk>/brev/", views.application_letter, name="application_letter"),
    path("ansoegninger/<id:pk>/brev.pdf", views.application_letter_pdf, name="application_letter_pdf"),
    path("bilag/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("tilskud/", views.grant_list, name="grant_list"),
    path("tilskud/<id:pk>/", views.grant_detail, name="grant_detail"),
    path("tilskud/<id:pk>/start/", views.grant_start, name="grant_start"),
    path("tilskud/<id:pk>/aendring/", views.change_request, name="change_request"),
    path("rater/<id:pk>/udbetal/", views.instalment_pay, name="instalment_pay"),
    path("rapporter/<id:pk>/indsend/", views.report_submit, name="report_submit"),
    path("aendringer/<id:pk>/afgor/", views.change_decide, name="change_decide"),
    path("fordeling/", views.allocation, name="allocation"),
    path("implementering/", views.implementation, name="implementation"),
]
