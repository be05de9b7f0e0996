from django.urls import URLPattern, URLResolver, path

from indsats.interventions import views

app_name = "interventions"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("tavle/", views.board, name="board"),
    path("tabel/", views.table, name="table"),
    path("eksport.xlsx", views.export, name="export"),
    path("ny/", views.edit, name="create"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/rediger/", views.edit, name="edit"),
    path("<id:pk>/fase/", views.phase, name="phase"),
    path("<id:pk>/tilfoej/<slug:kind>/", views.add_related, name="add_related"),
    path("<id:pk>/materialer/<id:material_pk>/", views.material, name="material"),
    path("<id:pk>/partnere/<id:partner_pk>/", views.partner_edit, name="partner_edit"),
    path("<id:pk>/gate-review/", views.start_review, name="start_review"),
    path("<id:pk>/tilbage/", views.return_to_phase, name="return_to_phase"),
    path("<id:pk>/stop/", views.stop, name="stop"),
    path("<id:pk>/deltag/", views.join, name="join"),
    path("<id:pk>/lovende-praksis/ny/", views.practice_new, name="practice_new"),
    path("<id:pk>/vidensdeklaration/ny/", views.declaration_new, name="declaration_new"),
    path("gate-reviews/", views.reviews_waiting, name="reviews_waiting"),
    path("gate-reviews/<id:review_pk>/", views.review_detail, name="review_detail"),
    path("gate-reviews/<id:review_pk>/vurdering/", views.review_edit, name="review_edit"),
    path("gate-reviews/<id:review_pk>/send/", views.review_submit, name="review_submit"),
    path("lovende-praksis/", views.practice_comparison, name="practice_comparison"),
    path("opsaetning/", views.configuration, name="configuration"),
    path("opsaetning/problemomraader/ny/", views.problem_area_edit, name="problem_area_create"),
    path("opsaetning/problemomraader/<id:pk>/", views.problem_area_edit, name="problem_area_edit"),
    path("opsaetning/leverancer/ny/", views.template_edit, name="template_create"),
    path("opsaetning/leverancer/<id:pk>/", views.template_edit, name="template_edit"),
]
