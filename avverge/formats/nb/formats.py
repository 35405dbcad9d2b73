# Bokmål: Django's own formats (django/conf/locale/nb/formats.py) except the short forms, which
# are the ones the guide and the record note have always shown ("2.12.2026 22:22").
SHORT_DATE_FORMAT = "j.n.Y"
SHORT_DATETIME_FORMAT = "j.n.Y H:i"
