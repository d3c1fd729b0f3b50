"""The profiles the eligibility tests ask about, dated from today (in France) as a resident asks:
« I obtained my DES last month, I start at the next intake (1 May or 1 November) »."""

from __future__ import annotations

from app.core.dates import today
from app.simulation.engine import add_months

TODAY = today()
LAST_MONTH = add_months(TODAY.replace(day=1), -1)
START = next(d for d in (add_months(TODAY.replace(day=1), n) for n in range(2, 14)) if d.month in (5, 11))
GP = {"specialty": "medecine-generale", "regions": ["32"], "des_completed_on": LAST_MONTH.isoformat(),
      "thesis_defended": True, "start": START.isoformat(), "ordre_registered": True}
CARDIO = {"specialty": "medecine-cardiovasculaire", "regions": ["32"], "des_completed_on": LAST_MONTH.isoformat(),
          "thesis_defended": True, "start": START.isoformat()}
