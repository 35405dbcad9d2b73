# The outcome's one-line texts (do this now, conclusion, record note, done) and its
# paragraphs that are shown only when they fit the case. Innholdsredaktør edits the paragraphs,
# as it edits the outcomes (the grant follows 0008).

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

CODENAMES = [f"{action}_outcomeparagraph" for action in ("view", "add", "change", "delete")]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("guidance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Innholdsredaktør").first()
    if group:
        permissions = apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="guidance", codename__in=CODENAMES
        )
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name="Innholdsredaktør").first()
    if group:
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="guidance", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0010_question_topic"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaloutcome",
            name="done_en",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="«Utført»-linje i journalnotatet (engelsk)"
            ),
        ),
        migrations.AddField(
            model_name="historicaloutcome",
            name="done_nb",
            field=models.CharField(
                blank=True,
                help_text="En linje med felt å fylle ut for det som faktisk ble gjort, for eksempel «Melding til barnevernet sendt: dato ___, av ___». Tom: ingen linje.",
                max_length=300,
                verbose_name="«Utført»-linje i journalnotatet (bokmål)",
            ),
        ),
        migrations.AddField(
            model_name="historicaloutcome",
            name="note_en",
            field=models.TextField(blank=True, verbose_name="setning til journalnotatet (engelsk)"),
        ),
        migrations.AddField(
            model_name="historicaloutcome",
            name="note_nb",
            field=models.TextField(
                blank=True,
                help_text="Hva som ble vurdert og konkludert, i tredje person og uten «du», slik det kan stå i journalen: «Vurdert som meldepliktig til barnevernet …». Paragrafen legges til av seg selv. Tom: utfallet står ikke i notatet.",
                verbose_name="setning til journalnotatet (bokmål)",
            ),
        ),
        migrations.AddField(
            model_name="historicaloutcome",
            name="now_en",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="«Gjør dette nå»-linje (engelsk)"
            ),
        ),
        migrations.AddField(
            model_name="historicaloutcome",
            name="now_nb",
            field=models.CharField(
                blank=True,
                help_text="Én kort linje i bydeform øverst på resultatsiden, for eksempel «Meld fra til barnevernet uten ugrunnet opphold». Brukes for plikter og forbud; paragrafen legges til av seg selv. Tom: tittelen brukes.",
                max_length=200,
                verbose_name="«Gjør dette nå»-linje (bokmål)",
            ),
        ),
        migrations.AddField(
            model_name="historicaloutcome",
            name="summary_en",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="konklusjon på én linje (engelsk)"
            ),
        ),
        migrations.AddField(
            model_name="historicaloutcome",
            name="summary_nb",
            field=models.CharField(
                blank=True,
                help_text="Delens konklusjon i sammendraget øverst, for eksempel «Nei: ingen plikt til å avverge nå. Det endrer seg hvis …». Tom: utfallet står ikke i sammendraget.",
                max_length=300,
                verbose_name="konklusjon på én linje (bokmål)",
            ),
        ),
        migrations.AddField(
            model_name="outcome",
            name="done_en",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="«Utført»-linje i journalnotatet (engelsk)"
            ),
        ),
        migrations.AddField(
            model_name="outcome",
            name="done_nb",
            field=models.CharField(
                blank=True,
                help_text="En linje med felt å fylle ut for det som faktisk ble gjort, for eksempel «Melding til barnevernet sendt: dato ___, av ___». Tom: ingen linje.",
                max_length=300,
                verbose_name="«Utført»-linje i journalnotatet (bokmål)",
            ),
        ),
        migrations.AddField(
            model_name="outcome",
            name="note_en",
            field=models.TextField(blank=True, verbose_name="setning til journalnotatet (engelsk)"),
        ),
        migrations.AddField(
            model_name="outcome",
            name="note_nb",
            field=models.TextField(
                blank=True,
                help_text="Hva som ble vurdert og konkludert, i tredje person og uten «du», slik det kan stå i journalen: «Vurdert som meldepliktig til barnevernet …». Paragrafen legges til av seg selv. Tom: utfallet står ikke i notatet.",
                verbose_name="setning til journalnotatet (bokmål)",
            ),
        ),
        migrations.AddField(
            model_name="outcome",
            name="now_en",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="«Gjør dette nå»-linje (engelsk)"
            ),
        ),
        migrations.AddField(
            model_name="outcome",
            name="now_nb",
            field=models.CharField(
                blank=True,
                help_text="Én kort linje i bydeform øverst på resultatsiden, for eksempel «Meld fra til barnevernet uten ugrunnet opphold». Brukes for plikter og forbud; paragrafen legges til av seg selv. Tom: tittelen brukes.",
                max_length=200,
                verbose_name="«Gjør dette nå»-linje (bokmål)",
            ),
        ),
        migrations.AddField(
            model_name="outcome",
            name="summary_en",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="konklusjon på én linje (engelsk)"
            ),
        ),
        migrations.AddField(
            model_name="outcome",
            name="summary_nb",
            field=models.CharField(
                blank=True,
                help_text="Delens konklusjon i sammendraget øverst, for eksempel «Nei: ingen plikt til å avverge nå. Det endrer seg hvis …». Tom: utfallet står ikke i sammendraget.",
                max_length=300,
                verbose_name="konklusjon på én linje (bokmål)",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalOutcomeParagraph",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "value",
                    models.CharField(
                        blank=True,
                        help_text="Verdien fra kontrakten. Flere verdier skilles med komma. Tomt for «is true» og «is false».",
                        max_length=400,
                        verbose_name="verdi",
                    ),
                ),
                (
                    "order",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Avsnittene vises etter teksten, i denne rekkefølgen.",
                        verbose_name="rekkefølge",
                    ),
                ),
                (
                    "fact",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("concerns", "concerns"),
                            ("serious_or_repeated", "serious_or_repeated"),
                            ("aggravated", "aggravated"),
                            ("sexual_act", "sexual_act"),
                            ("peers", "peers"),
                            ("person_age", "person_age"),
                            ("timing", "timing"),
                            ("likelihood", "likelihood"),
                            ("acute_danger", "acute_danger"),
                            ("consent", "consent"),
                            ("children_in_household", "children_in_household"),
                            ("pregnant", "pregnant"),
                            ("needs_interpreter", "needs_interpreter"),
                            ("companion", "companion"),
                            ("county", "county"),
                            ("outcomes", "outcomes (utfall gitt av andre regler)"),
                        ],
                        help_text="Svaret avsnittet avhenger av. Tomt: avsnittet vises alltid.",
                        max_length=40,
                        verbose_name="vis bare når: faktum",
                    ),
                ),
                (
                    "operator",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("equals", "equals"),
                            ("not_equals", "does not equal"),
                            ("in", "is one of"),
                            ("not_in", "is none of"),
                            ("contains", "contains"),
                            ("contains_any", "contains any of"),
                            ("contains_none", "contains none of"),
                            ("is_true", "is true"),
                            ("is_false", "is false"),
                        ],
                        max_length=20,
                        verbose_name="operator",
                    ),
                ),
                ("text_nb", models.TextField(verbose_name="avsnitt (bokmål)")),
                ("text_en", models.TextField(verbose_name="avsnitt (engelsk)")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "outcome",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="guidance.outcome",
                        verbose_name="utfall",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical avsnitt som passer saken",
                "verbose_name_plural": "historical avsnitt som bare vises når de passer saken",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="OutcomeParagraph",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "value",
                    models.CharField(
                        blank=True,
                        help_text="Verdien fra kontrakten. Flere verdier skilles med komma. Tomt for «is true» og «is false».",
                        max_length=400,
                        verbose_name="verdi",
                    ),
                ),
                (
                    "order",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Avsnittene vises etter teksten, i denne rekkefølgen.",
                        verbose_name="rekkefølge",
                    ),
                ),
                (
                    "fact",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("concerns", "concerns"),
                            ("serious_or_repeated", "serious_or_repeated"),
                            ("aggravated", "aggravated"),
                            ("sexual_act", "sexual_act"),
                            ("peers", "peers"),
                            ("person_age", "person_age"),
                            ("timing", "timing"),
                            ("likelihood", "likelihood"),
                            ("acute_danger", "acute_danger"),
                            ("consent", "consent"),
                            ("children_in_household", "children_in_household"),
                            ("pregnant", "pregnant"),
                            ("needs_interpreter", "needs_interpreter"),
                            ("companion", "companion"),
                            ("county", "county"),
                            ("outcomes", "outcomes (utfall gitt av andre regler)"),
                        ],
                        help_text="Svaret avsnittet avhenger av. Tomt: avsnittet vises alltid.",
                        max_length=40,
                        verbose_name="vis bare når: faktum",
                    ),
                ),
                (
                    "operator",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("equals", "equals"),
                            ("not_equals", "does not equal"),
                            ("in", "is one of"),
                            ("not_in", "is none of"),
                            ("contains", "contains"),
                            ("contains_any", "contains any of"),
                            ("contains_none", "contains none of"),
                            ("is_true", "is true"),
                            ("is_false", "is false"),
                        ],
                        max_length=20,
                        verbose_name="operator",
                    ),
                ),
                ("text_nb", models.TextField(verbose_name="avsnitt (bokmål)")),
                ("text_en", models.TextField(verbose_name="avsnitt (engelsk)")),
                (
                    "legal_sources",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Paragrafer som vises i rettsgrunnlaget bare når avsnittet vises (for eksempel § 258 bare ved menneskehandel). Velg dem ikke også på utfallet.",
                        related_name="+",
                        to="guidance.legalsource",
                        verbose_name="rettsgrunnlag bare for dette avsnittet",
                    ),
                ),
                (
                    "outcome",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="paragraphs",
                        to="guidance.outcome",
                        verbose_name="utfall",
                    ),
                ),
            ],
            options={
                "verbose_name": "avsnitt som passer saken",
                "verbose_name_plural": "avsnitt som bare vises når de passer saken",
                "ordering": ["outcome", "order", "id"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalOutcomeParagraph_legal_sources",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="guidance.historicaloutcomeparagraph",
                    ),
                ),
                (
                    "legalsource",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="guidance.legalsource",
                    ),
                ),
                (
                    "outcomeparagraph",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="guidance.outcomeparagraph",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalOutcomeParagraph_legal_sources",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(grant, revoke),
    ]
