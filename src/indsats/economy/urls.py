from django.urls import URLPattern, URLResolver, path

from indsats.economy import views

app_name = "economy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("priskatalog/", views.catalogue_list, name="catalogue_list"),
    path("priskatalog/ny/", views.catalogue_create, name="catalogue_create"),
    path("priskatalog/<id:pk>/", views.catalogue_detail, name="catalogue_detail"),
    path("priskatalog/<id:pk>/offentliggoer/", views.catalogue_publish, name="catalogue_publish"),
    path("priskatalog/<id:catalogue_pk>/priser/ny/", views.unit_price_edit, name="unit_price_create"),
    path("priskatalog/<id:catalogue_pk>/priser/<id:pk>/", views.unit_price_edit, name="unit_price_edit"),
    path(
        "priskatalog/<id:catalogue_pk>/priser/<id:pk>/slet/",
        views.unit_price_delete,
        name="unit_price_delete",
    ),
    path("prisindeks/", views.price_index, name="price_index"),
    path("business-cases/ny/", views.case_create, name="case_create"),
    path("business-cases/<id:pk>/", views.case_detail, name="case_detail"),
    path("business-cases/<id:pk>/rediger/", views.case_edit, name="case_edit"),
    path("business-cases/<id:pk>/beregn/", views.case_compute, name="case_compute"),
    path("beregninger/<id:pk>/", views.result_detail, name="result_detail"),
    path("beregninger/<id:pk>/status/", views.result_status, name="result_status"),
    path("beregninger/<id:pk>/excel/", views.result_excel, name="result_excel"),
    path("beregninger/<id:pk>/pdf/", views.result_pdf, name="result_pdf"),
    path("sammenlign/", views.compare, name="compare"),
]
