"""Oversight figures as 12345 centres report them, per department and period."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext

from app.city import services as city
from app.complaints.models import Category, Complaint
from app.core.actors import Actor, Role
from app.core.calendar import SHANGHAI
from app.core.errors import ValidationFailed
from app.core.models import utcnow
from app.core.policy import require_role
from app.extensions import db

SATISFIED_FROM = 3
OPEN = ("submitted", "dispatched", "accepted", "in_progress")


@dataclass
class DepartmentFigures:
    """One department's figures for a period."""

    department_id: uuid.UUID | None
    department_code: str
    department_name: str
    received: int = 0
    replied: int = 0
    replied_on_time: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    overdue_open: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of replies given before the feedback deadline (响应及时率)."""
        return _rate(self.replied_on_time, self.replied)

    @property
    def resolution_rate(self) -> float | None:
        """Share of received complaints answered or closed (解决率)."""
        return _rate(self.resolved, self.received)

    @property
    def satisfaction_rate(self) -> float | None:
        """Share of ratings that were satisfied or basically satisfied (满意率)."""
        return _rate(self.satisfied, self.rated)


@dataclass
class Metrics:
    """The figures of a period: per department, by category, by district, and what is overdue."""

    start: date
    end: date
    departments: list[DepartmentFigures] = field(default_factory=list)
    by_category: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    overdue: list[Complaint] = field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise ValidationFailed({"end": [gettext("The end comes before the start.")]})
    if (end - start).days > 366:
        raise ValidationFailed({"end": [gettext("A period lasts at most a year.")]})
    return (
        datetime.combine(start, time(), SHANGHAI),
        datetime.combine(end + timedelta(days=1), time(), SHANGHAI),
    )


def compute(actor: Actor, start: date, end: date, department_id: uuid.UUID | None = None) -> Metrics:
    """Figures of complaints received in [start, end] (Asia/Shanghai dates); handlers see their own."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.DEPARTMENT_HANDLER)
    oversees_all = actor.has_role(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER)
    if not oversees_all and department_id not in actor.department_ids:
        department_id = next(iter(sorted(actor.department_ids)), None)
    since, until = _period(start, end)
    stmt = db.select(Complaint).where(
        Complaint.created_at >= since, Complaint.created_at < until, Complaint.merged_into_id.is_(None)
    )
    if department_id is not None:
        stmt = stmt.where(Complaint.lead_department_id == department_id)
    complaints = list(db.session.scalars(stmt))
    metrics = Metrics(start=start, end=end)
    metrics.departments = _per_department(complaints)
    metrics.by_category = _by_category(complaints)
    metrics.by_district = dict(Counter(_district_name(c.district_id) for c in complaints))
    now = utcnow()
    metrics.overdue = [c for c in complaints if c.status in OPEN and _due(c) and _due(c) < now]
    return metrics


def _due(complaint: Complaint) -> datetime | None:
    return complaint.dispatch_due if complaint.status == "submitted" else complaint.feedback_due


def _per_department(complaints: list[Complaint]) -> list[DepartmentFigures]:
    figures: dict[uuid.UUID | None, DepartmentFigures] = {}
    now = utcnow()
    for c in complaints:
        row = figures.get(c.lead_department_id)
        if row is None:
            row = figures[c.lead_department_id] = _department_row(c.lead_department_id)
        row.received += 1
        replied_at = c.resolved_at or c.closed_at
        if replied_at is not None:
            row.replied += 1
            row.resolved += 1
            row.replied_on_time += bool(c.feedback_due and replied_at <= c.feedback_due)
        if c.rating is not None:
            row.rated += 1
            row.satisfied += c.rating >= SATISFIED_FROM
        due = _due(c)
        row.overdue_open += bool(c.status in OPEN and due and due < now)
    return sorted(figures.values(), key=lambda r: r.department_code)


def _department_row(department_id: uuid.UUID | None) -> DepartmentFigures:
    if department_id is None:
        return DepartmentFigures(None, "dispatcher-queue", "待派单")
    department = city.get_department(department_id)
    return DepartmentFigures(department.id, department.code, department.name)


def _by_category(complaints: list[Complaint]) -> dict[str, int]:
    names = {c.id: c.code for c in db.session.scalars(db.select(Category))}
    counts: dict[str, int] = defaultdict(int)
    for complaint in complaints:
        counts[names.get(complaint.category_id, "?")] += 1
    return dict(sorted(counts.items()))


def _district_name(district_id: uuid.UUID | None) -> str:
    if district_id is None:
        return "unknown"
    return next((d.code for d in city.list_districts() if d.id == district_id), "unknown")


CSV_COLUMNS = (
    "department_code",
    "department_name",
    "received",
    "replied",
    "replied_on_time",
    "on_time_rate",
    "resolved",
    "resolution_rate",
    "rated",
    "satisfied",
    "satisfaction_rate",
    "overdue_open",
)


def to_csv(metrics: Metrics) -> str:
    """One row per department, UTF-8 with a BOM so spreadsheet programs show Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["period", f"{metrics.start.isoformat()}..{metrics.end.isoformat()}"])
    writer.writerow(CSV_COLUMNS)
    for row in metrics.departments:
        writer.writerow(["" if (v := getattr(row, col)) is None else v for col in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()
