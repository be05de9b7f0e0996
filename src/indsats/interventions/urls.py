from django.urls import URLPattern, URLResolver, path

from indsats.interventions import views

app_name = "interventions"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("tavle/", views.board, name="board"),
    path("tabel/", views.table, name="table"),
    path("eksport.xlsx", views.export, name="export"),
    path("ny/", views.edit, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rediger/", views.edit, name="edit"),
    path("<int:pk>/fase/", views.phase, name="phase"),
    path("<int:pk>/tilfoej/<slug:kind>/", views.add_related, name="add_related"),
    path("<int:pk>/materialer/<int:material_pk>/", views.material, name="material"),
    path("<int:pk>/partnere/<int:partner_pk>/", views.partner_edit, name="partner_edit"),
    path("<int:pk>/gate-review/", views.start_review, name="start_review"),
    path("<int:pk>/tilbage/", views.return_to_phase, name="return_to_phase"),
    path("<int:pk>/stop/", views.stop, name="stop"),
    path("<int:pk>/deltag/", views.join, name="join"),
    path("<int:pk>/lovende-praksis/ny/", views.practice_new, name="practice_new"),
    path("<int:pk>/vidensdeklaration/ny/", views.declaration_new, name="declaration_new"),
    path("gate-reviews/", views.reviews_waiting, name="reviews_waiting"),
    path("gate-reviews/<int:review_pk>/", views.review_detail, name="review_detail"),
    path("gate-reviews/<int:review_pk>/vurdering/", views.review_edit, name="review_edit"),
    path("gate-reviews/<int:review_pk>/send/", views.review_submit, name="review_submit"),
    path("lovende-praksis/", views.practice_comparison, name="practice_comparison"),
    path("opsaetning/", views.configuration, name="configuration"),
    path("opsaetning/problemomraader/ny/", views.problem_area_edit, name="problem_area_create"),
    path("opsaetning/problemomraader/<int:pk>/", views.problem_area_edit, name="problem_area_edit"),
    path("opsaetning/leverancer/ny/", views.template_edit, name="template_create"),
    path("opsaetning/leverancer/<int:pk>/", views.template_edit, name="template_edit"),
]
