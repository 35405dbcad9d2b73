from django.urls import path

from . import trainer as trainer_views
from . import views

app_name = "guidance"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.start, name="start"),
    path("guide/q/<slug:key>/", views.question, name="question"),
    path("guide/review/", views.review, name="review"),
    path("guide/result/", views.result, name="result"),
    path("guide/exit/", views.quick_exit, name="exit"),
    path("healthz", views.healthz, name="healthz"),
]

# Trainer mode (guidance/trainer.py): the case library and the presenter view.
urlpatterns += [
    path("trainer/", trainer_views.library, name="trainer"),
    path("trainer/<slug:slug>/present/", trainer_views.story, name="present"),
    path("trainer/<slug:slug>/present/<int:number>/", trainer_views.step, name="present_step"),
    path("trainer/<slug:slug>/present/ask/", trainer_views.ask, name="ask"),
    path("trainer/<slug:slug>/present/result/", trainer_views.reveal, name="reveal"),
    path("trainer/sessions/<slug:slug>/", trainer_views.session, name="session"),
    path("trainer/<slug:slug>/case.yaml", trainer_views.case_file, name="case_file"),
]
