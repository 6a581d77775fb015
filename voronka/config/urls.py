from django.urls import include, path

from voronka.api.routes import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("voronka.web.urls")),
]
