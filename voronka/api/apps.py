from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "voronka.api"
    label = "api"
    verbose_name = "Native API"
