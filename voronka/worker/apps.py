from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "voronka.worker"
    label = "worker"
