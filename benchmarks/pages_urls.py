"""The site's URLs, with /bare/ in front: a view that does nothing, behind the same middleware,
which benchmarks/pages.py compares every page with. Only its settings load this module."""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path

from avverge.urls import handler400, handler403, handler404, handler500  # noqa: F401


def bare(request):
    return HttpResponse("ok")


def count_queries(get_response):
    """Middleware: the number of database queries the request made, in X-Queries."""

    def middleware(request):
        queries = [0]

        def counted(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = get_response(request)
        response["X-Queries"] = str(queries[0])
        return response

    return middleware


urlpatterns = [path("bare/", bare), path("", include("avverge.urls"))]
