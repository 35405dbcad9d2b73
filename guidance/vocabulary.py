"""The words the guide, the trainer and the admin share for the contract's codes: section
headings, kinds of outcome and the names of facts. One table each, so that the section an editor
files an outcome under has the name a clinician reads on the result page."""

from django.utils.translation import gettext_lazy

# The result's sections, in reading order, with their headings.
SECTION_TITLES = {
    "acute": gettext_lazy("Acute: act now"),
    "avert": gettext_lazy("Duty to avert"),
    "sharing": gettext_lazy("Confidentiality and sharing"),
    "interpreter": gettext_lazy("Interpreter"),
    "care": gettext_lazy("The conversation and care"),
    "referral": gettext_lazy("Referrals and advice"),
    "documentation": gettext_lazy("Documentation"),
}
# What a fact is called in a "why" and in the record note, where the question itself (asked
# of the clinician, "How sure are you?") does not fit.
FACT_NAMES = {
    "concerns": gettext_lazy("Concern"),
    "serious_or_repeated": gettext_lazy("Serious or repeated"),
    "aggravated": gettext_lazy("Aggravated trafficking"),
    "sexual_act": gettext_lazy("What happened"),
    "peers": gettext_lazy("Equal in age and development"),
    "person_age": gettext_lazy("Age"),
    "timing": gettext_lazy("Timing"),
    "likelihood": gettext_lazy("Likelihood"),
    "acute_danger": gettext_lazy("Immediate danger"),
    "consent": gettext_lazy("Consent"),
    "children_in_household": gettext_lazy("Children in the household"),
    "pregnant": gettext_lazy("Pregnant"),
    "needs_interpreter": gettext_lazy("Needs an interpreter"),
    "companion": gettext_lazy("Came with"),
    "county": gettext_lazy("County"),
}
KIND_LABELS = {
    "must": gettext_lazy("Must"),
    "may": gettext_lazy("May"),
    "must_not": gettext_lazy("Must not"),
    "advice": gettext_lazy("Advice"),
}
