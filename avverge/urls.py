from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("guidance.urls")),
]

# The 400, 403 and 404 pages are Django's views with our templates (templates/4xx.html); the
# 500 view also tells a database that is away from a bug.
handler500 = "guidance.views.server_error"
