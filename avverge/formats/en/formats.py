# English as written in Norway and Britain, not Django's US defaults: "2 December 2026",
# "2 Dec 2026, 22:22", with the 24-hour clock.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
