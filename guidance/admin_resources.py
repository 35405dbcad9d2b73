"""Contacts as a spreadsheet (CSV or XLSX) for django-import-export.

One row per contact, keyed by its slug. Categories and counties are lists of keys separated
by commas; all of a contact's phone numbers share one cell, one number per line (or separated
by semicolons), each as "number | label (bokmål) | label (English)". Opening hours are edited
in the admin only. A row is checked as the admin form checks it (valid phone numbers, known
categories and counties, and the one contact check, ``admin_forms.contact_errors``: a way to
reach the contact, a county for a regional one) and rejected with the reason otherwise.
"""

from uuid import uuid4

from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db.models import CharField, TextField
from import_export import fields, forms, resources, widgets
from import_export.tmp_storages import CacheStorage

from . import models
from .admin_forms import contact_errors

# The column of the file each contact problem is reported on.
IMPORT_COLUMNS = {"regional_without_counties": "counties", "unreachable": "phones"}


class KeysWidget(widgets.ManyToManyWidget):
    """Related rows by key, refusing a key that does not exist (the library drops it)."""

    def __init__(self, model, field, noun, pad=0):
        super().__init__(model, field=field, separator=",")
        self.noun = noun
        self.pad = pad

    def keys(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a spreadsheet turned 03 into the number 3
        keys = [k.strip() for k in str(value or "").split(self.separator) if k.strip()]
        return [k.zfill(self.pad) if k.isdigit() else k for k in keys]

    def clean(self, value, row=None, **kwargs):
        keys = self.keys(value)
        found = self.model.objects.filter(**{f"{self.field}__in": keys})
        missing = sorted(set(keys) - {str(getattr(o, self.field)) for o in found})
        if missing:
            raise ValueError(f"Ukjent {self.noun}: {', '.join(missing)}.")
        return found


class PhonesWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        phones, errors = [], []
        text = str(value or "").replace(";", "\n")
        for line in filter(None, (line.strip() for line in text.splitlines())):
            number, label_nb, label_en = ([p.strip() for p in line.split("|")] + ["", ""])[:3]
            try:
                models.validate_phone_number(number)
            except ValidationError as e:
                errors.extend(e.messages)
            phones.append((number, label_nb, label_en))
        if errors:
            raise ValueError(" ".join(errors))
        return phones

    def render(self, value, obj=None, **kwargs):
        return "\n".join(" | ".join(part for part in phone if part) for phone in value or ())


class PhonesField(fields.Field):
    """The contact's numbers as (number, label_nb, label_en); importing replaces them."""

    def get_value(self, instance):
        pending = getattr(instance, "imported_phones", None)
        if pending is not None:
            return pending
        if instance.pk is None:
            return []
        return [(p.number, p.label_nb, p.label_en) for p in instance.phones.all()]

    def save(self, instance, row, is_m2m=False, **kwargs):
        instance.imported_phones = self.clean(row, **kwargs)


TEXT_COLUMNS = [
    f.name for f in models.Contact._meta.fields if isinstance(f, (CharField, TextField))
]


# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets, so a
# contact named =HYPERLINK(...) would run in the next editor's spreadsheet (security review
# D8). OWASP's advice: start such a cell with an apostrophe, which shows the text as it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell):
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def revived(cell):
    if isinstance(cell, str) and cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


class ContactResource(resources.ModelResource):
    categories = fields.Field(
        attribute="categories",
        column_name="categories",
        widget=KeysWidget(models.ContactCategory, "slug", "kategori"),
    )
    counties = fields.Field(
        attribute="counties",
        column_name="counties",
        widget=KeysWidget(models.County, "number", "fylkesnummer", pad=2),
    )
    phones = PhonesField(attribute="phones", column_name="phones", widget=PhonesWidget())

    class Meta:
        model = models.Contact
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name_nb",
            "phones",
            "website",
            "email",
            "name_en",
            "categories",
            "scope",
            "counties",
            "always_open",
            "hours_note_nb",
            "hours_note_en",
            "serves_nb",
            "serves_en",
            "description_nb",
            "description_en",
            "order",
            "last_verified",
            "needs_review",
            "review_note",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def export(self, *args, **kwargs):
        """The export, with every cell a spreadsheet would run as a formula made inert."""
        dataset = super().export(*args, **kwargs)
        rows = [tuple(inert(cell) for cell in row) for row in dataset]
        del dataset[:]
        for row in rows:
            dataset.append(row)
        return dataset

    def before_import(self, dataset, **kwargs):
        if len(dataset) > MAX_IMPORT_ROWS:
            raise ValidationError(
                f"Filen har {len(dataset)} rader; høyst {MAX_IMPORT_ROWS} kan leses inn om "
                "gangen. Del den opp."
            )
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        # A spreadsheet's empty cell arrives as None; text columns store "" for nothing.
        for name in TEXT_COLUMNS:
            if name in row and row[name] is None:
                row[name] = ""
        # Our own export's inert cells read back as they were saved.
        for name, value in list(row.items()):
            row[name] = revived(value)

    def import_instance(self, instance, row, **kwargs):
        """Check what the model cannot check alone: the related keys and a way to reach the
        contact, so a bad row is reported before anything is saved."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        counties = None  # not in the file: the contact keeps the counties it has
        for name in ("categories", "counties"):
            field = self.fields[name]
            if field.column_name not in row:
                continue
            try:
                chosen = field.clean(row)
            except ValueError as e:
                errors[name] = [str(e)]
                continue
            if name == "categories" and not chosen:
                errors[name] = ["Kontakten må ha minst én kategori."]
            if name == "counties":
                counties = chosen
        # The admin form's contact check, on the row as it would be saved.
        phones = self.fields["phones"].get_value(instance)
        found = contact_errors(
            instance.slug,
            phones=None if "phones" in errors else [number for number, *_ in phones],
            website=instance.website,
            email=instance.email,
            regional=instance.scope == models.Scope.REGIONAL and counties is not None,
            counties=counties or (),
        )
        for code, error in found.items():
            errors.setdefault(IMPORT_COLUMNS[code], []).append(error)
        if errors:
            raise ValidationError(errors)
        instance._change_reason = "Importert fra fil"

    def after_save_instance(self, instance, row, **kwargs):
        pending = getattr(instance, "imported_phones", None)
        if pending is None or (
            self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs)
        ):
            return
        # Change numbers in place, by position, so the history shows "old → new" on the row
        # an editor can restore, rather than one number deleted and another added.
        current = list(instance.phones.all())
        for order, (number, label_nb, label_en) in enumerate(pending):
            phone = (
                current[order] if order < len(current) else models.ContactPhone(contact=instance)
            )
            values = {"number": number, "label_nb": label_nb, "label_en": label_en, "order": order}
            if phone.pk and all(getattr(phone, k) == v for k, v in values.items()):
                continue
            for name, value in values.items():
                setattr(phone, name, value)
            phone._change_reason = "Importert fra fil"
            phone.save()
        for phone in current[len(pending) :]:
            phone.delete()


# A contact file is a few hundred rows; these refuse one that would hold a worker for minutes
# (security review D15: 50 000 rows ended in a worker timeout).
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000


class SharedCacheStorage(CacheStorage):
    """The uploaded file, between the preview and the confirmation, in the "shared" cache (a
    database table) rather than on the disk of the server that took the upload, so the
    confirmation may reach any app server."""

    CACHE_LIFETIME = 60 * 60

    def save(self, data):
        if not self.name:
            self.name = uuid4().hex
        caches["shared"].set(self.CACHE_PREFIX + self.name, data, self.CACHE_LIFETIME)

    def read(self):
        return caches["shared"].get(self.CACHE_PREFIX + self.name)

    def remove(self):
        caches["shared"].delete(self.CACHE_PREFIX + self.name)


class ContactImportForm(forms.ImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].label = "Fil"
        self.fields["import_file"].help_text = (
            f"CSV eller Excel (XLSX), som filen fra «Eksporter»; høyst {MAX_IMPORT_ROWS} rader "
            f"og {MAX_IMPORT_BYTES // 2**20} MB."
        )
        self.fields["format"].label = "Filformat"

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                "Filen er større enn %(mb)s MB. Del den opp, eller ta bare med kontaktene "
                "som er endret.",
                code="too_big",
                params={"mb": MAX_IMPORT_BYTES // 2**20},
            )
        return upload


class ContactExportForm(forms.ExportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].label = "Filformat"
