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
    path("import/<int:pk>/igen/", views.import_retry, name="import_retry"),
    path("fuldstaendighed/", views.completeness, name="completeness"),
    path("indsigt/", views.insight, name="insight"),
    path("eksport/", views.export, name="export"),
    path("indsatser/<int:pk>/opsaetning/", views.intervention_setup, name="intervention_setup"),
    path("indsatser/<int:pk>/runder/ny/", views.round_create, name="round_create"),
    path("indsatser/<int:pk>/runder/<int:round_pk>/", views.round_edit, name="round_edit"),
    path("indsatser/<int:pk>/runder/<int:round_pk>/slet/", views.round_delete, name="round_delete"),
    path("indsatser/<int:pk>/opbevaring/", views.retention_set, name="retention_set"),
    path("indsatser/<int:pk>/evaluatorer/", views.evaluator_assign, name="evaluator_assign"),
    path(
        "indsatser/<int:pk>/evaluatorer/<int:assignment_pk>/fjern/",
        views.evaluator_remove,
        name="evaluator_remove",
    ),
]
