"""The tables administrators edit: counties, legal sources, outcomes, rules, questions,
contacts and cases. Nothing here holds anything about a patient.

Decisions are not made here: ``guidance.content`` loads these rows into the plain dataclasses of
``guidance.rules``, which does the reasoning.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from phonenumbers import shortnumberinfo
from simple_history.models import HistoricalRecords

from . import rules
from .vocabulary import KIND_LABELS, SECTION_TITLES

county_number_validator = RegexValidator(
    r"^\d\d$", "Fylkesnummeret skal være to sifre, for eksempel 03.", code="county_number"
)
lovdata_validator = RegexValidator(
    r"^https://lovdata\.no/",
    "Lenken skal gå til Lovdata (https://lovdata.no/...).",
    code="lovdata_url",
)


# The harmonised European numbers of social value (116 xxx) answer in Norway, but not all of
# them are in phonenumbers' metadata: 116 006, the line for victims of crime, is missing.
HARMONISED_116 = re.compile(r"116\d{3}")


def validate_phone_number(value):
    """Accept a number a Norwegian phone can call: a valid Norwegian or international number
    (international ones with +country code), or a Norwegian short number such as 112 or 02800."""
    message = (
        "«%(value)s» er ikke et gyldig telefonnummer. Skriv et norsk nummer med åtte sifre "
        "(for eksempel 22 33 11 60), et kort nummer som 112 eller 116 117, eller et utenlandsk "
        "nummer med landkode (for eksempel +46 8 123 456 78)."
    )
    invalid = ValidationError(message, code="invalid_phone", params={"value": value})
    if not re.fullmatch(r"\+?[\d ()-]+", value.strip()):
        raise invalid
    try:
        number = phonenumbers.parse(value, "NO")
    except phonenumbers.NumberParseException:
        raise invalid from None
    if phonenumbers.is_valid_number(number):
        return
    digits = re.sub(r"\D", "", value)
    short = shortnumberinfo.is_valid_short_number_for_region(number, "NO")
    if not value.strip().startswith("+") and (short or HARMONISED_116.fullmatch(digits)):
        return
    raise invalid


class HealthRegion(models.TextChoices):
    SOR_OST = "Helse Sør-Øst", "Helse Sør-Øst"
    VEST = "Helse Vest", "Helse Vest"
    MIDT = "Helse Midt-Norge", "Helse Midt-Norge"
    NORD = "Helse Nord", "Helse Nord"


class County(models.Model):
    number = models.CharField(
        "fylkesnummer",
        max_length=2,
        unique=True,
        validators=[county_number_validator],
        help_text="To sifre, slik SSB/Kartverket nummererer fylket (for eksempel 03 for Oslo).",
    )
    name = models.CharField("navn", max_length=100, help_text="Fylkets navn på bokmål.")
    health_region = models.CharField(
        "helseregion",
        max_length=30,
        choices=HealthRegion,
        help_text="Det regionale helseforetaket som dekker fylket.",
    )
    needs_review = models.BooleanField(
        "må kontrolleres",
        default=False,
        help_text="Kryss av når noe ved fylket (for eksempel hvilket RVTS som dekker det) "
        "ikke er bekreftet av en kilde.",
    )
    review_note = models.CharField(
        "merknad til kontroll",
        max_length=300,
        blank=True,
        help_text="Hva som må kontrolleres, og hvorfor.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "fylke"
        verbose_name_plural = "fylker"
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} {self.name}"


class Law(models.TextChoices):
    STRL = "strl", "straffeloven (strl)"
    HPL = "hpl", "helsepersonelloven (hpl)"
    PBRL = "pbrl", "pasient- og brukerrettighetsloven (pbrl)"
    TOLKELOVEN = "tolkeloven", "tolkeloven"
    KRISESENTERLOVA = "krisesenterlova", "krisesenterlova"
    PJF = "pasientjournalforskriften", "pasientjournalforskriften"
    UTLF = "utlendingsforskriften", "utlendingsforskriften"


class LegalSource(models.Model):
    key = models.SlugField(
        "nøkkel",
        max_length=60,
        unique=True,
        help_text="Fast nøkkel som innholdsfilene bruker, for eksempel strl-196. Endres ikke.",
    )
    law = models.CharField("lov", max_length=40, choices=Law, help_text="Loven paragrafen står i.")
    section = models.CharField(
        "paragraf",
        max_length=40,
        help_text="Paragrafen slik den siteres, for eksempel «§ 196» eller «§§ 6–7».",
    )
    title_nb = models.CharField(
        "kort tittel (bokmål)",
        max_length=200,
        help_text="Hva paragrafen handler om, med få ord, slik den vises ved henvisningen.",
    )
    title_en = models.CharField(
        "kort tittel (engelsk)", max_length=200, help_text="Den korte tittelen på engelsk."
    )
    url = models.URLField(
        "Lovdata-adresse",
        max_length=300,
        validators=[lovdata_validator],
        help_text="Adressen til paragrafen hos Lovdata, for eksempel "
        "https://lovdata.no/lov/2005-05-20-28/§196.",
    )
    last_checked = models.DateField(
        "sist kontrollert",
        null=True,
        blank=True,
        help_text="Datoen noen sist leste paragrafen hos Lovdata og så at teksten stemmer.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "rettskilde"
        verbose_name_plural = "rettskilder"
        ordering = ["law", "key"]
        constraints = [
            models.UniqueConstraint(fields=["law", "section"], name="unique_law_section"),
        ]

    def __str__(self):
        return self.citation

    @property
    def citation(self):
        return f"{self.law} {self.section}"


class ContactCategory(models.Model):
    slug = models.SlugField(
        "nøkkel",
        max_length=50,
        unique=True,
        help_text="Fast nøkkel, for eksempel child-protection. Utfall peker på kategorier, "
        "og kontakter hører til kategorier.",
    )
    name_nb = models.CharField(
        "navn (bokmål)", max_length=100, help_text="Navnet redaktørene ser når de velger kategori."
    )
    name_en = models.CharField("navn (engelsk)", max_length=100, help_text="Navnet på engelsk.")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "kontaktkategori"
        verbose_name_plural = "kontaktkategorier"
        ordering = ["slug"]

    def __str__(self):
        return self.name_nb


# Kinds and sections in rules.KINDS and rules.SECTIONS's order, with the words the result page
# uses (vocabulary.py), so an editor files an outcome under the heading clinicians read.
class Kind(models.TextChoices):
    MUST = "must", KIND_LABELS["must"]
    MAY = "may", KIND_LABELS["may"]
    MUST_NOT = "must_not", KIND_LABELS["must_not"]
    ADVICE = "advice", KIND_LABELS["advice"]


class Section(models.TextChoices):
    ACUTE = "acute", SECTION_TITLES["acute"]
    AVERT = "avert", SECTION_TITLES["avert"]
    SHARING = "sharing", SECTION_TITLES["sharing"]
    INTERPRETER = "interpreter", SECTION_TITLES["interpreter"]
    CARE = "care", SECTION_TITLES["care"]
    REFERRAL = "referral", SECTION_TITLES["referral"]
    DOCUMENTATION = "documentation", SECTION_TITLES["documentation"]


class Outcome(models.Model):
    code = models.CharField(
        "kode",
        max_length=40,
        unique=True,
        choices=[(c, c) for c in rules.OUTCOME_CODES],
        help_text="Den faste koden fra kontrakten. Koden er en nøkkel og endres ikke.",
    )
    kind = models.CharField(
        "type",
        max_length=10,
        choices=Kind,
        help_text="Om utfallet er en plikt, en adgang, et forbud eller et råd: «Må» er en "
        "plikt, «Kan» en adgang, «Må ikke» et forbud. Plikter og forbud må ha et rettsgrunnlag.",
    )
    section = models.CharField(
        "del av resultatet",
        max_length=20,
        choices=Section,
        help_text="Hvilken del av resultatsiden utfallet vises i.",
    )
    priority = models.PositiveSmallIntegerField(
        "rekkefølge",
        default=100,
        help_text="Lavere tall vises først innenfor samme del av resultatet.",
    )
    title_nb = models.CharField(
        "tittel (bokmål)",
        max_length=200,
        help_text="Overskriften helsepersonellet ser over utfallet på resultatsiden.",
    )
    title_en = models.CharField(
        "tittel (engelsk)", max_length=200, help_text="Overskriften på engelsk."
    )
    body_nb = models.TextField(
        "tekst (bokmål)", help_text="Hva helsepersonellet skal gjøre, med egne ord."
    )
    body_en = models.TextField(
        "tekst (engelsk)", help_text="Den samme teksten på engelsk, med samme innhold."
    )
    now_nb = models.CharField(
        "«Gjør dette nå»-linje (bokmål)",
        max_length=200,
        blank=True,
        help_text="Én kort linje i bydeform øverst på resultatsiden, for eksempel «Meld fra "
        "til barnevernet uten ugrunnet opphold». Brukes for plikter og forbud; paragrafen "
        "legges til av seg selv. Tom: tittelen brukes.",
    )
    now_en = models.CharField(
        "«Gjør dette nå»-linje (engelsk)",
        max_length=200,
        blank=True,
        help_text="Den samme linjen på engelsk.",
    )
    summary_nb = models.CharField(
        "konklusjon på én linje (bokmål)",
        max_length=300,
        blank=True,
        help_text="Delens konklusjon i sammendraget øverst, for eksempel «Nei: ingen plikt til "
        "å avverge nå. Det endrer seg hvis …». Tom: utfallet står ikke i sammendraget.",
    )
    summary_en = models.CharField(
        "konklusjon på én linje (engelsk)",
        max_length=300,
        blank=True,
        help_text="Den samme konklusjonen på engelsk.",
    )
    note_nb = models.TextField(
        "setning til journalnotatet (bokmål)",
        blank=True,
        help_text="Hva som ble vurdert og konkludert, i tredje person og uten «du», slik det "
        "kan stå i journalen: «Vurdert som meldepliktig til barnevernet …». Paragrafen "
        "legges til av seg selv. Tom: utfallet står ikke i notatet.",
    )
    note_en = models.TextField(
        "setning til journalnotatet (engelsk)",
        blank=True,
        help_text="Den samme setningen på engelsk, for det engelske notatet.",
    )
    done_nb = models.CharField(
        "«Utført»-linje i journalnotatet (bokmål)",
        max_length=300,
        blank=True,
        help_text="En linje med felt å fylle ut for det som faktisk ble gjort, for eksempel "
        "«Melding til barnevernet sendt: dato ___, av ___». Tom: ingen linje.",
    )
    done_en = models.CharField(
        "«Utført»-linje i journalnotatet (engelsk)",
        max_length=300,
        blank=True,
        help_text="Den samme linjen på engelsk, for det engelske notatet.",
    )
    legal_sources = models.ManyToManyField(
        LegalSource,
        blank=True,
        related_name="outcomes",
        verbose_name="rettsgrunnlag",
        help_text="Paragrafene utfallet bygger på. Plikter og forbud må ha minst én.",
    )
    primary_source = models.ForeignKey(
        LegalSource,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="vises først",
        help_text=(
            "Paragrafen utfallet først og fremst bygger på; den vises først i rettsgrunnlaget. "
            "Må være ett av rettsgrunnlagene. Tom: alle vises etter lov og paragraf."
        ),
    )
    categories = models.ManyToManyField(
        ContactCategory,
        blank=True,
        related_name="outcomes",
        verbose_name="kontaktkategorier",
        help_text="Kontakter i disse kategoriene vises når utfallet gis.",
    )
    last_reviewed = models.DateField(
        "sist gjennomgått",
        null=True,
        blank=True,
        help_text="Datoen en fagperson sist leste teksten mot loven.",
    )

    history = HistoricalRecords(m2m_fields=["legal_sources", "categories"])

    class Meta:
        verbose_name = "utfall"
        verbose_name_plural = "utfall"
        ordering = ["section", "priority", "code"]

    def __str__(self):
        return f"{self.code}: {self.title_nb}"


# The operators in the editor's words, for the admin's drop-downs and for error messages.
OPERATOR_LABELS_NB = {
    "equals": "er lik",
    "not_equals": "er ikke lik",
    "in": "er en av",
    "not_in": "er ingen av",
    "contains": "inneholder",
    "contains_any": "inneholder minst én av",
    "contains_none": "inneholder ingen av",
    "is_true": "er ja",
    "is_false": "er nei",
}


def _condition_fact_choices():
    facts = [(name, name) for name in rules.FACTS]
    return facts + [(rules.OUTCOMES_FACT, "outcomes (utfall gitt av andre regler)")]


class ConditionBase(models.Model):
    """A test on one fact, shared by rule conditions and question conditions."""

    fact = models.CharField(
        "faktum",
        max_length=40,
        choices=_condition_fact_choices(),
        help_text="Hvilket svar betingelsen ser på.",
    )
    operator = models.CharField(
        "operator",
        max_length=20,
        choices=[(op, label) for op, (label, _, _) in rules.OPERATORS.items()],
        help_text="Hvordan svaret sammenlignes med verdien (equals, is one of, contains …). "
        "Ja/nei-svar testes med «is true» eller «is false», uten verdi.",
    )
    value = models.CharField(
        "verdi",
        max_length=400,
        blank=True,
        help_text="Verdien fra kontrakten. Flere verdier skilles med komma. "
        "Tomt for «is true» og «is false».",
    )

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.fact} {self.get_operator_display()} {self.value}".strip()

    @property
    def values(self):
        return tuple(v.strip() for v in self.value.split(",") if v.strip())

    def as_condition(self) -> rules.Condition:
        return rules.Condition(self.fact, self.operator, self.values)

    def clean(self):
        try:
            self.as_condition()
        except rules.RuleError as e:
            raise ValidationError(self.explain(e), code="invalid_condition") from None

    def explain(self, error):
        """The engine's objection to this condition, in the editor's words, on the field to
        change. The engine decides (``error.code`` and ``error.field``); this only finds the
        words."""
        template = CONDITION_ERRORS_NB.get(error.code)
        if template is None:
            return {error.field or "value": f"Betingelsen passer ikke med kontrakten ({error})."}
        params = {"fact": self.fact, "value": error.value}
        if error.code != "unknown_fact":
            fitting = rules.OPERATORS_BY_KIND[rules.fact_kind(self.fact)]
            many = next((op for op in fitting if rules.OPERATORS[op][2]), fitting[0])
            params |= {
                "label": OPERATOR_LABELS_NB.get(self.operator, self.operator),
                "fitting": ", ".join(f"«{OPERATOR_LABELS_NB[op]}»" for op in fitting),
                "many": OPERATOR_LABELS_NB[many],
                "allowed": ", ".join(rules.fact_values(self.fact)),
            }
        return {error.field: template.format(**params)}


# What each of the engine's objections to a condition (rules.RuleError.code) means to an editor.
CONDITION_ERRORS_NB = {
    "unknown_fact": "«{fact}» er ikke et faktum i kontrakten.",
    "unknown_operator": "Operatoren passer ikke for faktumet {fact}. Velg {fitting}.",
    "operator_mismatch": "Operatoren passer ikke for faktumet {fact}. Velg {fitting}.",
    "value_not_taken": "«{label}» tar ingen verdi. Fjern verdiene.",
    "value_missing": "Velg minst én verdi for {fact}.",
    "one_value": "«{label}» tar nøyaktig én verdi. Velg én, eller bruk «{many}».",
    "not_county": "«{value}» er ikke et fylkesnummer (to sifre, for eksempel 03).",
    "unknown_value": "«{value}» er ikke en verdi for {fact}. Mulige verdier: {allowed}.",
}


class OutcomeParagraph(ConditionBase):
    """A paragraph of an outcome's text that is shown only when its condition holds (the
    under-16 paragraph only for a child, the pregnancy paragraph only when pregnant)."""

    outcome = models.ForeignKey(
        Outcome,
        on_delete=models.CASCADE,
        related_name="paragraphs",
        verbose_name="utfall",
        help_text="Utfallet avsnittet hører til.",
    )
    order = models.PositiveSmallIntegerField(
        "rekkefølge", default=0, help_text="Avsnittene vises etter teksten, i denne rekkefølgen."
    )
    fact = models.CharField(
        "vis bare når: faktum",
        max_length=40,
        blank=True,
        choices=_condition_fact_choices(),
        help_text="Svaret avsnittet avhenger av. Tomt: avsnittet vises alltid.",
    )
    operator = models.CharField(
        "operator",
        max_length=20,
        blank=True,
        choices=[(op, label) for op, (label, _, _) in rules.OPERATORS.items()],
        help_text="Hvordan svaret sammenlignes med verdien. Tomt når faktum er tomt.",
    )
    text_nb = models.TextField(
        "avsnitt (bokmål)", help_text="Avsnittet slik helsepersonellet leser det, med egne ord."
    )
    text_en = models.TextField("avsnitt (engelsk)", help_text="Det samme avsnittet på engelsk.")
    legal_sources = models.ManyToManyField(
        LegalSource,
        blank=True,
        related_name="+",
        verbose_name="rettsgrunnlag bare for dette avsnittet",
        help_text="Paragrafer som vises i rettsgrunnlaget bare når avsnittet vises (for "
        "eksempel § 258 bare ved menneskehandel). Velg dem ikke også på utfallet.",
    )

    history = HistoricalRecords(m2m_fields=["legal_sources"])

    class Meta:
        verbose_name = "avsnitt som passer saken"
        verbose_name_plural = "avsnitt som bare vises når de passer saken"
        ordering = ["outcome", "order", "id"]

    def __str__(self):
        when = super().__str__() if self.fact else "alltid"
        return f"{self.outcome_id}: {when}"

    def as_condition(self):
        return super().as_condition() if self.fact else None

    def clean(self):
        if self.fact:
            return super().clean()
        if self.operator or self.values:
            raise ValidationError(
                {"fact": "Velg faktumet betingelsen ser på, eller fjern operator og verdi."},
                code="condition_without_fact",
            )


class Rule(models.Model):
    key = models.SlugField(
        "nøkkel",
        max_length=80,
        unique=True,
        help_text="Fast nøkkel som sporet (hvorfor-forklaringen) viser, for eksempel "
        "avert-duty-listed-offence.",
    )
    name = models.CharField(
        "beskrivelse", max_length=200, help_text="Én linje om hva regelen sier."
    )
    enabled = models.BooleanField(
        "aktiv",
        default=True,
        help_text="Bare aktive regler brukes i veiviseren. Slå av i stedet for å slette.",
    )
    outcomes = models.ManyToManyField(
        Outcome,
        related_name="rules",
        verbose_name="utfall",
        help_text="Utfallene regelen gir når alle betingelsene holder.",
    )
    categories = models.ManyToManyField(
        ContactCategory,
        blank=True,
        related_name="rules",
        verbose_name="ekstra kontaktkategorier",
        help_text="Kontakter i disse kategoriene vises når regelen slår til, i tillegg til "
        "kontaktene utfallene viser. For eksempel barnevernet for et barn, der det samme "
        "utfallet for en voksen ikke skal vise det.",
    )
    reasoning = models.TextField(
        "begrunnelse",
        blank=True,
        help_text="Hvorfor regelen ser slik ut, med henvisning til loven og kildene.",
    )
    last_reviewed = models.DateField(
        "sist gjennomgått",
        null=True,
        blank=True,
        help_text="Datoen en fagperson sist vurderte regelen mot loven.",
    )

    history = HistoricalRecords(m2m_fields=["outcomes", "categories"])

    class Meta:
        verbose_name = "regel"
        verbose_name_plural = "regler"
        ordering = ["key"]

    def __str__(self):
        return self.key


class RuleCondition(ConditionBase):
    rule = models.ForeignKey(
        Rule,
        on_delete=models.CASCADE,
        related_name="conditions",
        verbose_name="regel",
        help_text="Regelen betingelsen hører til. Alle betingelsene må holde for at den slår til.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "betingelse"
        verbose_name_plural = "betingelser (alle må holde)"
        ordering = ["rule", "id"]


class Question(models.Model):
    key = models.SlugField(
        "nøkkel", max_length=60, unique=True, help_text="Fast nøkkel, for eksempel concerns."
    )
    fact = models.CharField(
        "faktum",
        max_length=40,
        unique=True,
        choices=[(name, name) for name in rules.FACTS],
        help_text="Faktumet i kontrakten som svaret setter.",
    )
    order = models.PositiveSmallIntegerField(
        "rekkefølge", help_text="Spørsmålene stilles i stigende rekkefølge."
    )
    topic = models.CharField(
        "emne",
        max_length=20,
        choices=[(code, names["nb"]) for code, names in rules.TOPICS.items()],
        blank=True,
        help_text="Spørsmål etter hverandre med samme emne stilles på én side. Et spørsmål som "
        "vises av et svar på samme side, kommer på en egen side etter. Uten emne får "
        "spørsmålet en side for seg selv.",
    )
    text_nb = models.CharField(
        "spørsmål (bokmål)",
        max_length=300,
        help_text="Spørsmålet slik helsepersonellet leser det: kort, og uten juridiske ord.",
    )
    text_en = models.CharField(
        "spørsmål (engelsk)", max_length=300, help_text="Spørsmålet på engelsk."
    )
    help_nb = models.TextField(
        "forklaring (bokmål)",
        blank=True,
        help_text="Kort forklaring av ord som trenger det, gjerne med et eksempel.",
    )
    help_en = models.TextField(
        "forklaring (engelsk)", blank=True, help_text="Forklaringen på engelsk."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "spørsmål"
        verbose_name_plural = "spørsmål"
        ordering = ["order"]

    def __str__(self):
        return f"{self.order}. {self.text_nb}"


class QuestionCondition(ConditionBase):
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="conditions",
        verbose_name="spørsmål",
        help_text="Spørsmålet som bare stilles når alle betingelsene holder.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "vis bare når"
        verbose_name_plural = "vis bare når (alle må holde)"
        ordering = ["question", "id"]


class QuestionOption(models.Model):
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="options",
        verbose_name="spørsmål",
        help_text="Spørsmålet svaret kan gis på.",
    )
    value = models.CharField(
        "verdi",
        max_length=40,
        help_text="Verdien fra kontrakten (for ja/nei-spørsmål: true eller false).",
    )
    label_nb = models.CharField(
        "svar (bokmål)", max_length=200, help_text="Svaret slik det står ved avkrysningen."
    )
    label_en = models.CharField("svar (engelsk)", max_length=200, help_text="Svaret på engelsk.")
    help_nb = models.CharField(
        "forklaring (bokmål)",
        max_length=400,
        blank=True,
        help_text="Kort tekst under svaret når det trenger en forklaring eller et eksempel.",
    )
    help_en = models.CharField(
        "forklaring (engelsk)", max_length=400, blank=True, help_text="Forklaringen på engelsk."
    )
    order = models.PositiveSmallIntegerField(
        "rekkefølge", default=0, help_text="Svarene vises i stigende rekkefølge."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "svaralternativ"
        verbose_name_plural = "svaralternativer"
        ordering = ["question", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="unique_option_value"),
        ]

    def __str__(self):
        return f"{self.value}: {self.label_nb}"

    def clean(self):
        if self.question_id and self.value not in rules.FACTS[self.question.fact].values:
            allowed = ", ".join(rules.FACTS[self.question.fact].values)
            raise ValidationError(
                {"value": f"«{self.value}» er ikke en verdi for {self.question.fact} ({allowed})."},
                code="invalid_option",
            )


class Scope(models.TextChoices):
    NATIONAL = "national", "Hele landet"
    REGIONAL = "regional", "Bare fylkene som er valgt"


class Contact(models.Model):
    """A service a clinician can contact, after Open Referral HSDS (organization, service,
    phone, schedule, service area) without its full weight."""

    slug = models.SlugField(
        "nøkkel",
        max_length=60,
        unique=True,
        help_text="Fast nøkkel fra kontrakten, for eksempel rosa. Endres ikke.",
    )
    name_nb = models.CharField(
        "navn (bokmål)", max_length=200, help_text="Tjenestens navn slik den selv skriver det."
    )
    name_en = models.CharField(
        "navn (engelsk)", max_length=200, help_text="Navnet på engelsk, slik tjenesten bruker det."
    )
    description_nb = models.TextField(
        "beskrivelse (bokmål)", help_text="Hva tjenesten gjør og når helsepersonell bør ringe."
    )
    description_en = models.TextField(
        "beskrivelse (engelsk)", help_text="Den samme beskrivelsen på engelsk."
    )
    categories = models.ManyToManyField(
        ContactCategory,
        related_name="contacts",
        verbose_name="kategorier",
        help_text="Kontakten vises når et utfall peker på en av disse kategoriene.",
    )
    scope = models.CharField(
        "dekningsområde",
        max_length=10,
        choices=Scope,
        default=Scope.NATIONAL,
        help_text="Landsdekkende kontakter vises i alle fylker; regionale bare i fylkene valgt "
        "nedenfor.",
    )
    counties = models.ManyToManyField(
        County,
        blank=True,
        related_name="contacts",
        verbose_name="fylker",
        help_text="Fylkene en regional kontakt dekker.",
    )
    serves_nb = models.CharField(
        "hvem tjenesten er for (bokmål)",
        max_length=300,
        blank=True,
        help_text="For eksempel «Voksne over 18 år, pårørende og fagfolk».",
    )
    serves_en = models.CharField(
        "hvem tjenesten er for (engelsk)",
        max_length=300,
        blank=True,
        help_text="Det samme på engelsk.",
    )
    website = models.URLField(
        "nettside",
        max_length=300,
        blank=True,
        help_text="Hele adressen, med https://. Vises som lenke på kontaktkortet.",
    )
    email = models.EmailField(
        "e-post",
        blank=True,
        help_text="Bare en adresse tjenesten selv oppgir for henvendelser fra helsepersonell.",
    )
    always_open = models.BooleanField(
        "døgnåpen",
        default=False,
        help_text="Kryss av når telefonen er åpen hele døgnet, alle dager. Ellers legges "
        "åpningstider inn nedenfor; uten noen av delene vises «åpningstid ikke bekreftet».",
    )
    hours_note_nb = models.CharField(
        "merknad om åpningstid (bokmål)",
        max_length=300,
        blank=True,
        help_text="For eksempel åpningstid for chat, eller at tiden varierer lokalt.",
    )
    hours_note_en = models.CharField(
        "merknad om åpningstid (engelsk)",
        max_length=300,
        blank=True,
        help_text="Merknaden på engelsk.",
    )
    order = models.PositiveSmallIntegerField(
        "rekkefølge", default=100, help_text="Lavere tall vises først innenfor en kategori."
    )
    last_verified = models.DateField(
        "sist bekreftet",
        null=True,
        blank=True,
        help_text="Datoen noen sist kontrollerte nummer og åpningstid på tjenestens egen side.",
    )
    needs_review = models.BooleanField(
        "må kontrolleres",
        default=False,
        help_text="Kryss av når et felt mangler kilde eller kan være utdatert.",
    )
    review_note = models.TextField(
        "merknad til kontroll", blank=True, help_text="Hva som mangler eller må kontrolleres."
    )

    history = HistoricalRecords(m2m_fields=["categories", "counties"])

    class Meta:
        verbose_name = "kontakt"
        verbose_name_plural = "kontakter"
        ordering = ["order", "slug"]

    def __str__(self):
        return self.name_nb


class ContactPhone(models.Model):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="phones",
        verbose_name="kontakt",
        help_text="Tjenesten nummeret går til.",
    )
    number = models.CharField(
        "telefonnummer",
        max_length=30,
        help_text="Slik det skal vises, for eksempel «22 33 11 60» eller «+47 22 58 60 00».",
    )
    label_nb = models.CharField(
        "hva nummeret er (bokmål)",
        max_length=100,
        blank=True,
        help_text="Når tjenesten har flere numre, for eksempel «Vakttelefon» eller «Sentralbord».",
    )
    label_en = models.CharField(
        "hva nummeret er (engelsk)",
        max_length=100,
        blank=True,
        help_text="Det samme på engelsk.",
    )
    order = models.PositiveSmallIntegerField(
        "rekkefølge", default=0, help_text="Det første nummeret er hovednummeret."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "telefonnummer"
        verbose_name_plural = "telefonnumre"
        ordering = ["contact", "order", "id"]

    def __str__(self):
        return self.number

    def clean(self):
        if self.number:
            validate_phone_number(self.number)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "mandag"
    TUESDAY = 1, "tirsdag"
    WEDNESDAY = 2, "onsdag"
    THURSDAY = 3, "torsdag"
    FRIDAY = 4, "fredag"
    SATURDAY = 5, "lørdag"
    SUNDAY = 6, "søndag"


class OpeningHours(models.Model):
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="hours",
        verbose_name="kontakt",
        help_text="Tjenesten som har denne åpningstiden.",
    )
    weekday = models.PositiveSmallIntegerField(
        "ukedag",
        choices=Weekday,
        help_text="Én linje per dag tjenesten er åpen. En dag uten linje vises som stengt.",
    )
    opens = models.TimeField("åpner", help_text="Norsk tid, for eksempel 09:00.")
    closes = models.TimeField("stenger", help_text="Norsk tid, for eksempel 15:00.")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "åpningstid"
        verbose_name_plural = "åpningstider (norsk tid)"
        ordering = ["contact", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="hours_close_after_open"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError(
                {"closes": "Stengetiden må være etter åpningstiden samme dag."},
                code="hours_order",
            )


class Case(models.Model):
    """A training case: a story with the facts a clinician would answer, and what the rule
    table must give for them. Invented people only; never a real patient."""

    slug = models.SlugField(
        "nøkkel",
        max_length=80,
        unique=True,
        help_text="Fast nøkkel for saken i adressen og i saksfiler, for eksempel "
        "«webinar-1-gravid-kvinne». Små bokstaver, tall og bindestrek.",
    )
    title = models.CharField(
        "tittel (bokmål)", max_length=200, help_text="Navnet kursholderne ser i kursbiblioteket."
    )
    title_en = models.CharField(
        "tittel (engelsk)", max_length=200, blank=True, help_text="Tittelen på engelsk."
    )
    summary = models.TextField(
        "fortelling (bokmål)", blank=True, help_text="Historien en kursholder forteller."
    )
    summary_en = models.TextField(
        "fortelling (engelsk)", blank=True, help_text="Den samme historien på engelsk."
    )
    facts = models.JSONField(
        "fakta",
        help_text="Svarene i saken, med kontraktens navn og verdier "
        '(for eksempel {"concerns": ["trafficking"], "timing": "ongoing", "county": "03"}).',
    )
    expect = models.JSONField(
        "forventet resultat",
        null=True,
        blank=True,
        help_text="Hva regeltabellen må gi: outcomes/contacts med include og exclude.",
    )
    prompts = models.JSONField(
        "samtalespørsmål",
        default=dict,
        blank=True,
        help_text="Spørsmål til diskusjon i kurset, per faktum.",
    )
    prompts_en = models.JSONField(
        "samtalespørsmål (engelsk)",
        default=dict,
        blank=True,
        help_text="De samme spørsmålene på engelsk, per faktum. Der ett mangler, vises det "
        "på bokmål i det engelske grensesnittet.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "kurssak"
        verbose_name_plural = "kurssaker"
        ordering = ["slug"]

    def __str__(self):
        return self.title

    def as_document(self):
        """The case in the contract's case-file shape (section 4)."""
        doc = {"slug": self.slug, "title": self.title}
        if self.title_en:
            doc["title_en"] = self.title_en
        doc["summary"] = self.summary
        if self.summary_en:
            doc["summary_en"] = self.summary_en
        doc["facts"] = self.facts
        if self.expect:
            doc["expect"] = self.expect
        if self.prompts:
            doc["prompts"] = self.prompts
        if self.prompts_en:
            doc["prompts_en"] = self.prompts_en
        return doc

    def clean(self):
        from . import cases, content  # they read this module

        snap = content.snapshot()
        slugs = cases.ruleset_contact_slugs(snap.ruleset)
        try:
            # The same check a case file gets: the contract's shape, the facts' values, the
            # prompts as text per fact, and no NUL, NaN or deep nesting (security review D10).
            cases.check_values(self.as_document())
            cases.check_document(self.as_document(), slugs, snap.ruleset.counties)
        except cases.CaseFileError as e:
            raise ValidationError(
                "Saken passer ikke med kontrakten: %(error)s",
                code="invalid_case",
                params={"error": str(e)},
            ) from None


class Session(models.Model):
    """A trainer's session: cases to present one after another, like a webinar's."""

    slug = models.SlugField(
        "nøkkel",
        max_length=80,
        unique=True,
        help_text="Brukes i adressen og i saksfiler (for eksempel «webinar-avvergingsplikt»).",
    )
    title = models.CharField(
        "tittel",
        max_length=200,
        help_text="Navnet kursholderne ser i kursbiblioteket.",
    )

    class Meta:
        verbose_name = "kursøkt"
        verbose_name_plural = "kursøkter"
        ordering = ["title"]

    def __str__(self):
        return self.title


class SessionCase(models.Model):
    """One case in a session, at its place in the order."""

    session = models.ForeignKey(
        Session,
        models.CASCADE,
        related_name="items",
        verbose_name="kursøkt",
        help_text="Økten saken er med i.",
    )
    case = models.ForeignKey(
        Case,
        models.CASCADE,
        related_name="session_items",
        verbose_name="kurssak",
        help_text="Saken fra kursbiblioteket. Den samme saken kan være med i flere økter.",
    )
    order = models.PositiveIntegerField(
        "rekkefølge", default=1, help_text="Sakene presenteres fra lavest til høyest tall."
    )

    class Meta:
        verbose_name = "sak i økten"
        verbose_name_plural = "saker i økten"
        ordering = ["session", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "case"], name="session_case_once"),
        ]

    def __str__(self):
        return f"{self.session}: {self.order}. {self.case}"


class ContentVersion(models.Model):
    """One row whose token changes whenever any content table changes.

    Every app server keeps the compiled rule set in memory and compares this token (one small
    query per request) before using it, so an edit in the admin reaches clinicians at once on
    all servers. Written only by the signals in ``guidance.signals``.
    """

    token = models.UUIDField(
        "versjon", help_text="Skiftes automatisk ved hver endring i innholdet. Rediger ikke."
    )
    changed_at = models.DateTimeField(
        "endret", auto_now=True, help_text="Når innholdet sist ble endret."
    )

    class Meta:
        verbose_name = "innholdsversjon"
        verbose_name_plural = "innholdsversjon"

    def __str__(self):
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M})"
