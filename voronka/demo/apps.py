from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "voronka.demo"
    label = "demo"
