"""Settings of the peer site: Django's defaults plus what django-survey-and-report needs.

Read only inside the peer's virtual environment (bench/peer/peer.py copies this package
there). PEER_DATABASE is the SQLite file, PEER_EXPORTS the folder for its CSV and TeX/PDF
files. SQLite gets the same tuning as our app (survey_app/db.py): WAL journal,
synchronous=NORMAL, a 15 s busy timeout and BEGIN IMMEDIATE for transactions; each
worker keeps its connection (as our app's pool does) instead of one per request.
"""

import os
from pathlib import Path

SECRET_KEY = "bench-peer-secret-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "survey",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_site.urls"
WSGI_APPLICATION = "peer_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["PEER_DATABASE"],
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            "timeout": 15,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"

# django-survey-and-report's own settings (its survey/settings.py lists them).
_EXPORTS = str(Path(os.environ.get("PEER_EXPORTS", ".")).absolute())
CSV_DIRECTORY = _EXPORTS
TEX_DIRECTORY = _EXPORTS
USER_DID_NOT_ANSWER = "Left blank"
CHOICES_SEPARATOR = ","
EXCEL_COMPATIBLE_CSV = False
DEFAULT_SURVEY_PUBLISHING_DURATION = 7
SURVEY_DEFAULT_PIE_COLOR = "red!50"

# With DEBUG off Django logs nothing to the console: server errors go to gunicorn's log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
