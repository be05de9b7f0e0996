from django.urls import URLPattern, URLResolver, path

from indsats.grants import views

app_name = "grants"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("kalender/", views.calendar, name="calendar"),
    path("nyhedsbrev/", views.newsletter, name="newsletter"),
    path("nyhedsbrev/afmeld/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("nyhedsbrev/bekraeft/<str:token>/", views.confirm_subscription, name="confirm_subscription"),
    path("<int:pk>/", views.pool_detail, name="pool_detail"),
    path("<int:pk>/rediger/", views.pool_edit, name="pool_edit"),
    path("<int:pk>/offentliggor/", views.pool_publish, name="pool_publish"),
    path("<int:pk>/rangering/", views.pool_ranking, name="pool_ranking"),
    path("<int:pool_pk>/ansog/", views.application_create, name="application_create"),
    path("programmer/", views.programmes, name="programmes"),
    path("programmer/nyt-aar/", views.programme_year_create, name="programme_year_create"),
    path("programmer/<int:year_pk>/initiativ/", views.initiative_create, name="initiative_create"),
    path("initiativer/<int:initiative_pk>/ny-pulje/", views.pool_create, name="pool_create"),
    path("ansoegninger/", views.application_list, name="application_list"),
    path("ansoegninger/<int:pk>/", views.application_detail, name="application_detail"),
    path("ansoegninger/<int:pk>/rediger/", views.application_edit, name="application_edit"),
    path("ansoegninger/<int:pk>/bilag/", views.attachment_add, name="attachment_add"),
    path("ansoegninger/<int:pk>/medredaktor/", views.co_editor_add, name="co_editor_add"),
    path("ansoegninger/<int:pk>/indsend/", views.application_submit, name="application_submit"),
    path("ansoegninger/<int:pk>/vurder/", views.application_assess, name="application_assess"),
    path("ansoegninger/<int:pk>/bevilg/", views.application_award, name="application_award"),
    path("ansoegninger/<int:pk>/afslaa/", views.application_reject, name="application_reject"),
    path("ansoegninger/<int:pk>/brev/", views.application_letter, name="application_letter"),
    path("ansoegninger/<int:pk>/brev.pdf", views.application_letter_pdf, name="application_letter_pdf"),
    path("bilag/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("tilskud/", views.grant_list, name="grant_list"),
    path("tilskud/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("tilskud/<int:pk>/start/", views.grant_start, name="grant_start"),
    path("tilskud/<int:pk>/aendring/", views.change_request, name="change_request"),
    path("rater/<int:pk>/udbetal/", views.instalment_pay, name="instalment_pay"),
    path("rapporter/<int:pk>/indsend/", views.report_submit, name="report_submit"),
    path("aendringer/<int:pk>/afgor/", views.change_decide, name="change_decide"),
    path("fordeling/", views.allocation, name="allocation"),
    path("implementering/", views.implementation, name="implementation"),
]
