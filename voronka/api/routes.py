"""Mounts every router on the one API object; ``voronka.config.urls`` serves ``api.urls``."""

from voronka.api import config, directory, export, files, items, rights
from voronka.api.base import api

api.add_router("/", items.router)
api.add_router("/", config.router)
api.add_router("/", directory.router)
api.add_router("/", files.router)
api.add_router("/", rights.router)
api.add_router("/", export.router)

__all__ = ["api"]
