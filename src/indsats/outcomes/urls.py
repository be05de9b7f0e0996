from django.urls import URLPattern, URLResolver, path

from indsats.outcomes import views

app_name = "outcomes"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("maaleredskaber/", views.instrument_list, name="instrument_list"),
    path("maaleredskaber/nyt/", views.instrument_add, name="instrument_add"),
    path("maaleredskaber/<int:pk>/", views.instrument_edit, name="instrument_edit"),
    path("begrundelser/", views.explanation_list, name="explanation_list"),
    path("deltagere/", views.participant_list, name="participant_list"),
    path("deltagere/<int:pk>/", views.participant_detail, name="participant_detail"),
    path("deltagere/<int:pk>/slet/", views.participant_delete, name="participant_delete"),
    path("deltagere/<int:pk>/skema/<int:instrument_pk>/", views.measurement_new, name="measurement_new"),
    path("import/", views.import_start, name="import_start"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/gem/", views.import_commit, name="import_commit"),
    path("import/<int:pk>/status/", views.import_progress, name="import_progress"),
    path("fuldstaendighed/", views.completeness, name="completeness"),
    path("indsigt/", views.insight, name="insight"),
    path("eksport/", views.export, name="export"),
]
