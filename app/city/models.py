"""Districts, streets and departments."""

from __future__ import annotations

import uuid

from sqlalchemy import Float, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import IdMixin, LocalizedName
from app.extensions import db


class District(IdMixin, LocalizedName, db.Model):
    """An administrative district (区/县), identified by its 6-digit division code."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(12), unique=True)
    streets: Mapped[list[Street]] = relationship(back_populates="district", order_by="Street.code")


class Street(IdMixin, LocalizedName, db.Model):
    """A sub-district (街道/乡镇) of a district."""

    __tablename__ = "streets"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    district_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("districts.id"), index=True)
    center_lat: Mapped[float | None] = mapped_column(Float)  # WGS84
    center_lng: Mapped[float | None] = mapped_column(Float)
    district: Mapped[District] = relationship(back_populates="streets")


class Department(IdMixin, LocalizedName, db.Model):
    """A government department or public-service unit that handles requests."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    district_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("districts.id"), index=True)
