from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("guidance.urls")),
]

# Our templates (templates/4xx.html, 500.html); the 500 view also tells a database that is
# away from a bug.
handler400 = "guidance.views.bad_request"
handler403 = "guidance.views.permission_denied"
handler404 = "guidance.views.page_not_found"
handler500 = "guidance.views.server_error"
