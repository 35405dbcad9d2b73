from django.urls import path

from . import views

app_name = "guidance"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.start, name="start"),
    path("guide/q/<slug:key>/", views.question, name="question"),
    path("guide/review/", views.review, name="review"),
    path("guide/result/", views.result, name="result"),
    path("healthz", views.healthz, name="healthz"),
]
