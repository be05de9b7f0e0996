"""WSGI entry point (`gunicorn -c python:indsats.config.gunicorn indsats.config.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "indsats.config.settings")
application = get_wsgi_application()
