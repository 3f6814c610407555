"""Birth dates for test patients, relative to today, so that a patient
stays the age a test needs: the chest X-ray model reads children aged 1-5
only (services/diagnosis/models/pneumonia_cxr224_v4.card.json,
"population"), and an adult's film is not read by it."""

import datetime


def birth_date(years, days=30):
    """"YYYY-MM-DD" of a patient who is `years` old (and `days` more)
    today, UTC."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    try:
        d = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        d = today.replace(year=today.year - years, day=28)
    return (d - datetime.timedelta(days=days)).isoformat()


# A child inside the model's population: three years and a month old.
CHILD = birth_date(3)
# An adult outside it.
ADULT = birth_date(67)
