"""Fixtures of the home tests: the complaints stories' city, staff and report."""

from __future__ import annotations

from tests.complaints.conftest import city, report, staff  # noqa: F401 - fixtures
