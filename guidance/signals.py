"""Mark the content as changed whenever a content table changes (see ContentVersion).

This only invalidates caches; no decision is made here. Signals fire on save() and delete()
(and on changes to many-to-many rows), not on QuerySet.update() or bulk_create(): code that
writes a content table that way must bump the version itself (bump_content_version), or every
server keeps showing the old content.
"""

import uuid

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import content, models

CONTENT_MODELS = (
    models.County,
    models.LegalSource,
    models.ContactCategory,
    models.Outcome,
    models.OutcomeParagraph,
    models.Rule,
    models.RuleCondition,
    models.Question,
    models.QuestionCondition,
    models.QuestionOption,
    models.Contact,
    models.ContactPhone,
    models.OpeningHours,
    models.Case,
    # The trainer's pages are cached per content version (guidance/pagecache.py).
    models.Session,
    models.SessionCase,
)


def bump_content_version(**kwargs):
    updated = models.ContentVersion.objects.filter(pk=1).update(token=uuid.uuid4())
    if not updated:
        models.ContentVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4()})
    # This process shows the change at once (the others within CONTENT_CHECK_SECONDS): now,
    # and again after the commit, in case another thread read the old version in between.
    content.forget()
    transaction.on_commit(content.forget)


def connect():
    for model in CONTENT_MODELS:
        uid = f"content-version-{model.__name__}"
        post_save.connect(bump_content_version, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=uid + "-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                bump_content_version,
                sender=field.remote_field.through,
                dispatch_uid=uid + field.name,
            )
