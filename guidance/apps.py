from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    default = True  # this module holds two configurations; "guidance" means this one
    default_auto_field = "django.db.models.BigAutoField"
    name = "guidance"
    verbose_name = "Veiledning"

    def ready(self):
        from . import signals

        signals.connect()


class AxesConfig(AxesAppConfig):
    """django-axes under a bokmål heading in the admin (it has no name of its own but "Axes")."""

    default = False
    verbose_name = "Innloggingsvern"
