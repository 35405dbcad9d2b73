from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.urls import include, path
from django_ratelimit.core import is_ratelimited

from avverge import language
from avverge.clientip import ratelimit_key
from guidance.api import api


def admin_login(request, **kwargs):
    """The admin's login, with a limit per address on top of django-axes' lockout per user
    name and address: many user names tried from one address stop at LOGIN_RATE."""
    if request.method == "POST" and is_ratelimited(
        request, group="admin-login", key=ratelimit_key, rate=settings.LOGIN_RATE, increment=True
    ):
        return render(request, "admin/too_many_attempts.html", status=429)
    return admin.site.login(request, **kwargs)


urlpatterns = [
    path(f"{settings.ADMIN_URL}login/", admin_login, name="admin_login_limited"),
    path("api/v1/", api.urls),
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/setlang/", language.switch, name="set_language"),
    path("", include("guidance.urls")),
]

# Our templates (templates/4xx.html, 500.html); the 500 view also tells a database that is
# away from a bug.
handler400 = "guidance.views.bad_request"
handler403 = "guidance.views.permission_denied"
handler404 = "guidance.views.page_not_found"
handler500 = "guidance.views.server_error"
