from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "voronka.files"
    label = "files"
    verbose_name = "Files"
