"""What the home keeps: which services each resident opens, and how often every service is opened."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import IdMixin, UTCDateTime
from app.extensions import db


class ServiceVisit(IdMixin, db.Model):
    """A resident's use of one service of the directory: how often, and when last."""

    __tablename__ = "home_service_visits"
    __table_args__ = (
        UniqueConstraint("person_id", "service_code"),
        Index("ix_home_service_visits_person_last", "person_id", "last_visited_at"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("people.id"))
    service_code: Mapped[str] = mapped_column(String(40))
    visits: Mapped[int] = mapped_column(Integer, default=0)
    last_visited_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServicePopularity(db.Model):
    """How often a service is opened, by everyone (what "popular" means in the directory)."""

    __tablename__ = "home_service_popularity"

    service_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)
