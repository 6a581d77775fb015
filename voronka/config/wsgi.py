"""WSGI entry point (waitress in embedded mode, gunicorn when distributed)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voronka.config.settings")
application = get_wsgi_application()
