from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from guidance.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("guidance.urls")),
]
