from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "voronka.rights"
    label = "rights"
    verbose_name = "Access rights"
