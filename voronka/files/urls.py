from django.urls import path

from voronka.files import views

app_name = "files"

urlpatterns = [
    path("<int:file_id>/download", views.download_file, name="download"),
]
