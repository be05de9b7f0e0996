from django.urls import URLPattern, URLResolver, path

from indsats.outcomes import views

app_name = "outcomes"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("maaleredskaber/", views.instrument_list, name="instrument_list"),
    path("maaleredskaber/nyt/", views.instrument_add, name="instrument_add"),
    path("maaleredskaber/<id:pk>/", views.instrument_edit, name="instrument_edit"),
    path("begrundelser/", views.explanation_list, name="explanation_list"),
    path("deltagere/", views.participant_list, name="participant_list"),
    path("deltagere/<id:pk>/", views.participant_detail, name="participant_detail"),
    path("deltagere/<id:pk>/slet/", views.participant_delete, name="participant_delete"),
    path("deltagere/<id:pk>/reference/", views.participant_reference, name="participant_reference"),
    path("deltagere/<id:pk>/skema/<id:instrument_pk>/", views.measurement_new, name="measurement_new"),
    path("import/", views.import_start, name="import_start"),
    path("import/<id:pk>/", views.import_detail, name="import_detail"),
    path("import/<id:pk>/gem/", views.import_commit, name="import_commit"),
    path("import/<id:pk>/status/", views.import_progress, name="import_progress"),
    path("import/<id:pk>/igen/", views.import_retry, name="import_retry"),
    path("fuldstaendighed/", views.completeness, name="completeness"),
    path("indsigt/", views.insight, name="insight"),
    path("eksport/", views.export, name="export"),
    path("indsatser/<id:pk>/opsaetning/", views.intervention_setup, name="intervention_setup"),
    path("indsatser/<id:pk>/runder/ny/", views.round_create, name="round_create"),
    path("indsatser/<id:pk>/runder/<id:round_pk>/", views.round_edit, name="round_edit"),
    path("indsatser/<id:pk>/runder/<id:round_pk>/slet/", views.round_delete, name="round_delete"),
    path("indsatser/<id:pk>/opbevaring/", views.retention_set, name="retention_set"),
    path("indsatser/<id:pk>/evaluatorer/", views.evaluator_assign, name="evaluator_assign"),
    path(
        "indsatser/<id:pk>/evaluatorer/<id:assignment_pk>/fjern/",
        views.evaluator_remove,
        name="evaluator_remove",
    ),
]
