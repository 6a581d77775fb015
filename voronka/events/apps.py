from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "voronka.events"
    label = "events"
    verbose_name = "Events"
