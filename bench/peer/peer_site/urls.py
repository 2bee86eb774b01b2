"""The survey app's own URLs under /survey/ (form: /survey/<id>/, CSV: /survey/csv/<id>/)."""

from django.urls import include, path

urlpatterns = [path("survey/", include("survey.urls"))]
