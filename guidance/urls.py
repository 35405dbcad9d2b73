from django.urls import path

from . import trainer as trainer_views
from . import views
from .pagecache import content_page

app_name = "guidance"

urlpatterns = [
    # content_page: pages the same for everyone, cached per content version and language.
    # Never a page of the walk (start, questions, review, result).
    path("", content_page(views.home), name="home"),
    path("guide/", views.start, name="start"),
    path("guide/q/<slug:key>/", views.question, name="question"),
    path("guide/review/", views.review, name="review"),
    path("guide/result/", views.result, name="result"),
    path("guide/exit/", views.quick_exit, name="exit"),
    path("healthz", views.healthz, name="healthz"),
]

# Trainer mode (guidance/trainer.py): the case library and the presenter view.
urlpatterns += [
    # Not a search: what someone typed is not kept.
    path("trainer/", content_page(trainer_views.library, unless=["q"]), name="trainer"),
    path("trainer/<slug:slug>/present/", content_page(trainer_views.story), name="present"),
    path(
        "trainer/<slug:slug>/present/<int:number>/",
        content_page(trainer_views.step),
        name="present_step",
    ),
    path("trainer/<slug:slug>/present/ask/", content_page(trainer_views.ask), name="ask"),
    path("trainer/<slug:slug>/present/result/", content_page(trainer_views.reveal), name="reveal"),
    path("trainer/sessions/<slug:slug>/", content_page(trainer_views.session), name="session"),
    path("trainer/<slug:slug>/case.yaml", trainer_views.case_file, name="case_file"),
]
