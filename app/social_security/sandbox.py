"""The sandbox bureau and fund centre: for any national ID, a plausible, repeatable history.

Like the real institutions, they answer a refresh by pushing records through the same merge the
API uses; the history is derived from the national ID alone (an employer of three Guiyang firms,
a start month, a contribution base, Guizhou's rates), with fixed record ids, so asking again is
``unchanged`` apart from the months that passed since. Outside production only.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta

from app.core.calendar import business_date
from app.core.ids import new_id
from app.core.models import utcnow
from app.social_security.models import EntryType, Insured, InsuredStatus, RecordKind, Scheme, Source
from app.social_security.providers import Refresh, register_provider

EMPLOYERS = (
    ("91520100MA6DKQ1A5C", "贵阳云岭科技有限公司"),
    ("91520102MA6E3HK714", "贵阳筑城物业服务有限公司"),
    ("91520115MA6H0XGY33", "观山湖区数据服务中心有限公司"),
)
# (employer, personal) shares of the base, in ten-thousandths (Guizhou, 2026)
RATES = {
    Scheme.PENSION: (1600, 800),
    Scheme.MEDICAL: (700, 200),
    Scheme.UNEMPLOYMENT: (50, 50),
    Scheme.WORK_INJURY: (40, 0),
    Scheme.MATERNITY: (80, 0),
    Scheme.HOUSING_FUND: (1200, 1200),
}


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _as_of(month: date) -> datetime:
    """When the institution recorded a month: the 5th of the next month, not later than now."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 5)
    return min(datetime(following.year, following.month, following.day, 2, tzinfo=UTC), utcnow())


def history(national_id: str, name: str, source: Source, today: date | None = None) -> list[dict]:
    """The records ``source`` holds for a national ID, as canonical rows (see records_schema)."""
    today = today or business_date()
    seed = hashlib.sha256(national_id.encode()).digest()
    rng = random.Random(seed)  # noqa: S311 - a repeatable simulation, not a secret
    tag = seed.hex()[:10].upper()
    employer_code, employer_name = EMPLOYERS[seed[0] % len(EMPLOYERS)]
    base = rng.randrange(4_500, 15_000) * 100
    last = date(today.year, today.month, 1) - timedelta(days=1)
    last = last.replace(day=1)
    first = date(last.year - 2 - seed[1] % 4, 1 + seed[2] % 12, 1)
    months = _months(first, last)
    common = {"national_id": national_id, "name": name, "details": {}}
    rows: list[dict] = []
    schemes = [Scheme.HOUSING_FUND] if source == Source.HOUSING_FUND else list(RATES)[:5]
    for scheme in schemes:
        rows.append(
            _row(common, f"SBX-{tag}-{scheme}-STATUS", RecordKind.STATUS, scheme, first, _as_of(first),
                 status=InsuredStatus.ACTIVE)
        )  # fmt: skip
        employer_rate, personal_rate = RATES[scheme]
        for month in months:
            employer, personal = base * employer_rate // 10_000, base * personal_rate // 10_000
            rows.append(
                _row(common, f"SBX-{tag}-{scheme}-{month:%Y%m}", RecordKind.CONTRIBUTION, scheme, month,
                     _as_of(month), base_fen=base, employer_fen=employer, personal_fen=personal,
                     amount_fen=employer + personal, employer_code=employer_code, employer_name=employer_name)
            )  # fmt: skip
    account = Scheme.HOUSING_FUND if source == Source.HOUSING_FUND else Scheme.MEDICAL
    rows += _account_entries(common, tag, account, months, base, rng)
    return rows


def _account_entries(common: dict, tag: str, scheme: str, months: list[date], base: int, rng) -> list[dict]:
    rows, balance = [], 0
    employer_rate, personal_rate = RATES[scheme]
    # the housing fund credits the whole deposit; the medical account the personal part
    share = employer_rate + personal_rate if scheme == Scheme.HOUSING_FUND else personal_rate
    monthly = base * share // 10_000
    for index, month in enumerate(months):
        day = month.replace(day=15)
        balance += monthly
        rows.append(
            _row(common, f"SBX-{tag}-{scheme}-IN-{month:%Y%m}", RecordKind.ACCOUNT_ENTRY, scheme, day,
                 _as_of(month), entry_type=EntryType.CREDIT, amount_fen=monthly, balance_fen=balance)
        )  # fmt: skip
        if scheme == Scheme.MEDICAL and index % 3 == 2:
            spent = min(balance, rng.randrange(20, 400) * 100)
            balance -= spent
            rows.append(
                _row(common, f"SBX-{tag}-{scheme}-OUT-{month:%Y%m}", RecordKind.ACCOUNT_ENTRY, scheme,
                     month.replace(day=20), _as_of(month), entry_type=EntryType.SPEND, amount_fen=-spent,
                     balance_fen=balance, details={"purpose": "药店购药"})
            )  # fmt: skip
    return rows


def _row(
    common: dict, record_no: str, kind: str, scheme: str, occurred_on: date, as_of: datetime, **values
) -> dict:
    row = {
        **common,
        "record_no": record_no,
        "kind": kind,
        "scheme": scheme,
        "occurred_on": occurred_on,
        "year": occurred_on.year,
        "as_of": as_of,
        "status": None,
        "entry_type": None,
        "base_fen": None,
        "employer_fen": None,
        "personal_fen": None,
        "amount_fen": None,
        "balance_fen": None,
        "employer_code": None,
        "employer_name": None,
    }
    row.update(values)
    return row


class SandboxInstitutions:
    """Both institutions, simulated: a refresh pushes the person's history at once."""

    def request_refresh(self, source: Source, insured: Insured) -> Refresh:
        """Merge the simulated history of the insured person, as the institution would push it."""
        from app.social_security.services import ingest

        rows = [
            {"index": i, **row} for i, row in enumerate(history(insured.national_id, insured.name, source))
        ]
        outcome = ingest.IngestOutcome(keep_accepted=False)
        ingest.merge(source, rows, new_id(), outcome)
        return Refresh(source.value, "delivered", sum(outcome.counts[k] for k in ("created", "corrected")))


register_provider("sandbox", SandboxInstitutions, sandbox=True)
