from django.urls import URLPattern, URLResolver, path

from indsats.evaluation import views

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("indsats/<id:intervention_pk>/nyt-studie/", views.study_create, name="study_create"),
    path("studier/<id:pk>/", views.study_detail, name="study_detail"),
    path("studier/<id:pk>/beregn/", views.study_run, name="study_run"),
    path("studier/<id:pk>/lodtraekning/", views.study_randomise, name="study_randomise"),
    path("studier/<id:pk>/tilmeld/", views.study_enrol, name="study_enrol"),
    path(
        "indsats/<id:intervention_pk>/litteratur/",
        views.intervention_literature,
        name="intervention_literature",
    ),
    path(
        "indsats/<id:intervention_pk>/evidensvurdering/",
        views.intervention_rating,
        name="intervention_rating",
    ),
    path("analyser/<id:pk>/", views.analysis_report, name="analysis_report"),
    path("analyser/<id:pk>/pdf/", views.analysis_pdf, name="analysis_pdf"),
    path("analyser/<id:pk>/pdf/status/", views.analysis_pdf_status, name="analysis_pdf_status"),
    path("indsats/<id:intervention_pk>/dosis/", views.exposure_index, name="exposure_index"),
    path("indsats/<id:intervention_pk>/dosis/fil/", views.exposure_import, name="exposure_import"),
    path("indsats/<id:intervention_pk>/dosis/barn/", views.exposure_set, name="exposure_set"),
    path("tvaergaaende/", views.cross_practice_report, name="cross_practice"),
    path("tvaergaaende/pdf/", views.cross_practice_pdf, name="cross_practice_pdf"),
]
