from django.urls import URLPattern, URLResolver, path

from indsats.catalogue import feeds, views

app_name = "catalogue"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("sammenlign/", views.compare, name="compare"),
    path("feed/", feeds.PublicationFeed(), name="feed"),
    path("feed/puljer/", feeds.PoolFeed(), name="pool_feed"),
    path("data.csv", views.open_data_csv, name="open_data_csv"),
    path("data.json", views.open_data_json, name="open_data_json"),
    path("tilgaengelighed/", views.accessibility_statement, name="accessibility"),
    path("privatliv/", views.privacy_notice, name="privacy"),
    path("redaktion/", views.editorial, name="editorial"),
    path("redaktion/<id:pk>/offentliggoer/", views.publish, name="publish"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/traek-tilbage/", views.withdraw, name="withdraw"),
    path("<slug:slug>/version/<id:number>/", views.version, name="version"),
    path("<slug:slug>/version/<id:number>/dokument/<id:document_id>/", views.document, name="document"),
]
