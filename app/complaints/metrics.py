"""Oversight figures as 12345 centres report them, per department and period."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import tuple_

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
QUEUE = "dispatcher-queue"  # the code of "no department yet" in figures and the dry run


@dataclass
class Figures:
    """The 三率 counts of a group of complaints, and the rates they give."""

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

    def count(self, c, now: datetime) -> None:
        """Add one complaint (a model or a row with the same attributes) to the counts."""
        self.received += 1
        replied_at = c.resolved_at or c.closed_at
        if replied_at is not None:
            self.replied += 1
            self.resolved += 1
            self.replied_on_time += bool(c.feedback_due and replied_at <= c.feedback_due)
        if c.rating is not None:
            self.rated += 1
            self.satisfied += c.rating >= SATISFIED_FROM
        due = _due(c)
        self.overdue_open += bool(c.status in OPEN and due and due < now)


@dataclass
class DepartmentFigures(Figures):
    """One department's figures for a period."""

    department_id: uuid.UUID | None = None
    department_code: str = ""
    department_name: str = ""


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


def _period(start: date, end: date, longest: int = 366) -> tuple[datetime, datetime]:
    if end < start:
        raise ValidationFailed({"end": [gettext("The end comes before the start.")]})
    if (end - start).days > longest:
        raise ValidationFailed({"end": [_too_long(longest)]})
    return (
        datetime.combine(start, time(), SHANGHAI),
        datetime.combine(end + timedelta(days=1), time(), SHANGHAI),
    )


def _too_long(days: int) -> str:
    if days >= 365:
        return gettext("A period lasts at most a year.")
    return gettext("A period lasts at most %(days)d days.", days=days + 1)


def period_bounds(start: date, end: date, longest: int = 366) -> tuple[datetime, datetime]:
    """The instants [since, until) of Asia/Shanghai dates [start, end]; 422 if backwards or too long."""
    return _period(start, end, longest)


def previous_month(today: date) -> tuple[date, date]:
    """The calendar month before ``today``'s: its first and last day."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


CHUNK = 1000  # rows read per statement when a period is read through


def period_rows(columns: tuple, since: datetime, until: datetime, *criteria, chunk: int = CHUNK):
    """Complaints received in [since, until), as rows of ``columns``, read in keyset chunks.

    One range of ``ix_complaints_created_at_id`` per chunk, so a month of 100,000 complaints never
    sits in memory at once and each statement costs the same however far into the month it is.
    """
    stmt = (
        db.select(Complaint.created_at, Complaint.id, *columns)
        .where(Complaint.created_at >= since, Complaint.created_at < until, *criteria)
        .order_by(Complaint.created_at, Complaint.id)
        .limit(chunk)
    )
    after = None
    while True:
        page = stmt if after is None else stmt.where(tuple_(Complaint.created_at, Complaint.id) > after)
        rows = db.session.execute(page).all()
        yield from rows
        if len(rows) < chunk:
            return
        after = (rows[-1].created_at, rows[-1].id)


def compute(actor: Actor, start: date, end: date, department_id: uuid.UUID | None = None) -> Metrics:
    """Figures of complaints received in [start, end] (Asia/Shanghai dates); handlers see their own.

    The period is read once, in keyset chunks of plain columns; only the overdue complaints are
    loaded as records, for the list.
    """
    department_id = _visible_department(actor, department_id)
    since, until = _period(start, end)
    criteria = [Complaint.merged_into_id.is_(None)]
    if department_id is not None:
        criteria.append(Complaint.lead_department_id == department_id)
    leaves = {c.id: c.code for c in db.session.scalars(db.select(Category))}
    districts = {d.id: d.code for d in city.list_districts()}
    figures: dict[uuid.UUID | None, DepartmentFigures] = {}
    by_category, by_district, overdue_ids = Counter(), Counter(), []
    now = utcnow()
    for row in period_rows((*_FIGURE_COLUMNS, Complaint.district_id), since, until, *criteria):
        department = figures.get(row.lead_department_id)
        if department is None:
            department = figures[row.lead_department_id] = _department_row(row.lead_department_id)
        department.count(row, now)
        by_category[leaves.get(row.category_id, "?")] += 1
        by_district[districts.get(row.district_id, "unknown")] += 1
        if row.status in OPEN and (due := _due(row)) is not None and due < now:
            overdue_ids.append(row.id)
    metrics = Metrics(start=start, end=end, by_category=dict(sorted(by_category.items())))
    metrics.departments = sorted(figures.values(), key=lambda r: r.department_code)
    metrics.by_district = dict(by_district)
    metrics.overdue = _complaints(overdue_ids)
    return metrics


def _due(complaint) -> datetime | None:
    return complaint.dispatch_due if complaint.status == "submitted" else complaint.feedback_due


def _department_row(department_id: uuid.UUID | None) -> DepartmentFigures:
    if department_id is None:
        return DepartmentFigures(department_code=QUEUE, department_name=gettext("The dispatchers' queue"))
    department = city.get_department(department_id)
    return DepartmentFigures(
        department_id=department.id, department_code=department.code, department_name=department.name
    )


def _complaints(ids: list[uuid.UUID], batch: int = 500) -> list[Complaint]:
    """These complaints as records, oldest first, loaded a batch of ids at a time."""
    found: list[Complaint] = []
    for offset in range(0, len(ids), batch):
        chunk = ids[offset : offset + batch]
        found += db.session.scalars(db.select(Complaint).where(Complaint.id.in_(chunk)))
    return sorted(found, key=lambda c: (c.created_at, c.id))


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


# --- the figures as a series: by department, by category, by ISO week ------------------------------

GROUPINGS = ("department", "category", "week")
_FIGURE_COLUMNS = (
    Complaint.lead_department_id,
    Complaint.category_id,
    Complaint.status,
    Complaint.dispatch_due,
    Complaint.feedback_due,
    Complaint.resolved_at,
    Complaint.closed_at,
    Complaint.rating,
)


@dataclass
class SeriesPoint(Figures):
    """One bar of a chart: a department, a top-level category or an ISO week, and its figures."""

    key: str = ""
    label: str = ""
    start: date | None = None  # a week's first and last day inside the period
    end: date | None = None


@dataclass
class Series:
    """The figures of a period grouped one way, in the order a chart shows them."""

    start: date
    end: date
    group_by: str
    points: list[SeriesPoint] = field(default_factory=list)


def week_key(moment: datetime) -> str:
    """The ISO week (Monday to Sunday, Asia/Shanghai) an instant falls in: ``2026-W47``."""
    year, week, _ = moment.astimezone(SHANGHAI).isocalendar()
    return f"{year}-W{week:02d}"


def weeks(start: date, end: date) -> list[SeriesPoint]:
    """Every ISO week touching [start, end], each clipped to the period, empty."""
    points, monday = [], start - timedelta(days=start.weekday())
    while monday <= end:
        year, week, _ = monday.isocalendar()
        first, last = max(monday, start), min(monday + timedelta(days=6), end)
        label = f"{year}-W{week:02d} ({first.isoformat()}–{last.isoformat()})"
        points.append(SeriesPoint(key=f"{year}-W{week:02d}", label=label, start=first, end=last))
        monday += timedelta(days=7)
    return points


def series(
    actor: Actor, start: date, end: date, group_by: str, department_id: uuid.UUID | None = None
) -> Series:
    """The period's 三率 grouped by department, top-level category or week; handlers see their own."""
    department_id = _visible_department(actor, department_id)
    since, until = _period(start, end)
    criteria = [Complaint.merged_into_id.is_(None)]
    if department_id is not None:
        criteria.append(Complaint.lead_department_id == department_id)
    key_of, points = _grouping(group_by, start, end)
    now = utcnow()
    for row in period_rows(_FIGURE_COLUMNS, since, until, *criteria):
        key = key_of(row)
        point = points.get(key)
        if point is None:
            point = points[key] = SeriesPoint(key=key)
        point.count(row, now)
    return Series(start=start, end=end, group_by=group_by, points=_labelled(group_by, points))


def _visible_department(actor: Actor, department_id: uuid.UUID | None) -> uuid.UUID | None:
    require_role(actor, Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.DEPARTMENT_HANDLER)
    if actor.has_role(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER) or department_id in actor.department_ids:
        return department_id
    return next(iter(sorted(actor.department_ids)), None)


def _grouping(group_by: str, start: date, end: date):
    if group_by == "week":
        return (lambda row: week_key(row.created_at)), {p.key: p for p in weeks(start, end)}
    if group_by == "category":
        tops = {c.id: c.parent_code or c.code for c in db.session.scalars(db.select(Category))}
        roots = db.session.scalars(
            db.select(Category).where(Category.parent_code.is_(None)).order_by(Category.code)
        )
        return (lambda row: tops.get(row.category_id, "?")), {c.code: SeriesPoint(key=c.code) for c in roots}
    codes: dict[uuid.UUID | None, str] = {None: QUEUE}
    return (lambda row: _department_code(codes, row.lead_department_id)), {}


def _department_code(codes: dict, department_id: uuid.UUID | None) -> str:
    code = codes.get(department_id)
    if code is None:
        code = codes[department_id] = city.get_department(department_id).code
    return code


def _labelled(group_by: str, points: dict[str, SeriesPoint]) -> list[SeriesPoint]:
    if group_by == "week":
        return list(points.values())
    if group_by == "category":
        found = db.session.scalars(db.select(Category).where(Category.code.in_(list(points))))
        names = {c.code: c.name for c in found}
    else:
        names = {code: department_label(code) for code in points}
    for point in points.values():
        point.label = names.get(point.key, point.key)
    return sorted(points.values(), key=lambda p: p.key)


def department_label(code: str) -> str:
    """A department's name in the reader's language, by code (or the dispatchers' queue)."""
    if code == QUEUE:
        return gettext("The dispatchers' queue")
    department = city.department_by_code(code)
    return department.name if department else code


SERIES_COLUMNS = ("key", "label", "start", "end", *CSV_COLUMNS[2:])


def series_csv(figures: Series) -> str:
    """One row per bar, UTF-8 with a BOM so spreadsheet programs show Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["period", f"{figures.start.isoformat()}..{figures.end.isoformat()}"])
    writer.writerow(["group_by", figures.group_by])
    writer.writerow(SERIES_COLUMNS)
    for point in figures.points:
        writer.writerow(["" if (v := getattr(point, col)) is None else v for col in SERIES_COLUMNS])
    return "\ufeff" + buffer.getvalue()
