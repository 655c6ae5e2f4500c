"""Import files (``flask social-security import``): CSV, JSON or JSON Lines, streamed, all or nothing.

The file is read row by row (``csv`` over the byte stream; ``ijson`` for JSON, so a million-row
array is never held in memory); each row is checked by the same schema as the API and merged in
batches of ``BATCH_SIZE`` in one transaction. Every bad row — invalid, for the other institution,
a record id twice in the file — goes to the validation report (CSV: line, record id, code, reason,
errors); one bad row refuses the whole file and the transaction is rolled back, so nothing of it is
imported. Rows whose ``as_of`` is older than the version held are reported as skipped (an older
file sent again), without refusing the file.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ijson

from app.core.ids import new_id
from app.social_security import services
from app.social_security.models import Source
from app.social_security.records_schema import RECORD_ITEM, from_text_row, load_record

FORMATS = ("csv", "json", "jsonl")
REPORT_FIELDS = ("line", "record_id", "code", "reason", "errors")
SKIPPED_CODES = ("stale",)  # reported, but do not refuse the file


@dataclass
class ImportResult:
    """What an import did (nothing, when ``refused``)."""

    rows: int = 0
    bad: int = 0
    skipped: int = 0
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    report: Path | None = None

    @property
    def refused(self) -> bool:
        """One bad row refuses the file."""
        return self.bad > 0

    @property
    def rows_per_second(self) -> float:
        """Throughput over the whole run."""
        return self.rows / self.seconds if self.seconds else 0.0


def format_of(path: Path, given: str | None) -> str:
    """The file's format: as given, or by its extension (``.csv``, ``.json``, ``.jsonl``/``.ndjson``)."""
    if given:
        return given
    suffix = path.suffix.lower().lstrip(".")
    return {"ndjson": "jsonl"}.get(suffix, suffix) if suffix in (*FORMATS, "ndjson") else "csv"


def rows_of(stream, fmt: str) -> Iterator[tuple[int, object]]:
    """(line or item number, raw row) one at a time, from a binary stream."""
    if fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield from _csv_rows(text)
        finally:
            text.detach()  # the caller closes the file itself
        return
    if fmt == "jsonl":
        for number, item in enumerate(ijson.items(stream, "", multiple_values=True), start=1):
            yield number, item
        return
    first = stream.peek(64)[:64].lstrip() if hasattr(stream, "peek") else b"["
    prefix = "records.item" if first.startswith(b"{") else "item"
    for number, item in enumerate(ijson.items(stream, prefix), start=1):
        yield number, item


def _csv_rows(text) -> Iterator[tuple[int, object]]:
    reader = csv.DictReader(text)
    unknown = sorted(set(reader.fieldnames or ()) - set(RECORD_ITEM.fields))
    if unknown:
        yield 1, {"_header": unknown}
        return
    for row in reader:
        yield reader.line_num, from_text_row(row)


class Report:
    """The validation report, written as rows come (CSV, UTF-8)."""

    def __init__(self, path: Path):
        self.path = path
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(REPORT_FIELDS)

    def add(self, line: int, record_id: str | None, code: str, reason: str, errors: dict | None) -> None:
        """One bad (or skipped) row."""
        text = json.dumps(errors, ensure_ascii=False, sort_keys=True) if errors else ""
        self._writer.writerow((line, record_id or "", code, reason, text))

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


def import_file(
    path: Path,
    source: Source,
    *,
    fmt: str | None = None,
    report_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate and merge a whole file in the caller's transaction; the caller rolls back a refused one."""
    started = time.monotonic()
    result = ImportResult(report=report_path or path.with_name(path.name + ".report.csv"))
    report = Report(result.report)
    batch_id, pending = new_id(), []
    outcome = services.IngestOutcome(keep_accepted=False)
    reason = str(services.REASONS["validation-failed"])
    try:
        with path.open("rb") as stream:
            done = 0
            for line, raw in rows_of(stream, format_of(path, fmt)):
                result.rows += 1
                record, errors = _checked(raw)
                if record is None:
                    result.bad += 1
                    record_no = raw.get("record_id") if isinstance(raw, dict) else None
                    report.add(
                        line,
                        record_no if isinstance(record_no, str) else None,
                        "validation-failed",
                        reason,
                        errors,
                    )
                elif not result.refused:  # past the first bad row only checking goes on
                    pending.append({"index": line, **record})
                if len(pending) >= services.BATCH_SIZE:
                    _flush(source, pending, batch_id, outcome, report, result)
                if progress is not None and result.rows % 1000 == 0:
                    position = stream.tell()
                    progress(position - done)
                    done = position
            if not result.refused:
                _flush(source, pending, batch_id, outcome, report, result)
            if progress is not None:
                progress(path.stat().st_size - done)
    finally:
        report.close()
    result.counts = outcome.counts
    result.seconds = time.monotonic() - started
    return result


def _checked(raw: object) -> tuple[dict | None, dict | None]:
    if isinstance(raw, dict) and "_header" in raw:
        return None, {"_header": [f"unknown columns: {', '.join(raw['_header'])}"]}
    if isinstance(raw, dict) and "_extra" in raw:
        return None, {"_schema": ["more cells than columns"]}
    return load_record(raw)


def _flush(source, pending: list[dict], batch_id, outcome, report: Report, result: ImportResult) -> None:
    if not pending:
        return
    refused_before = len(outcome.refused)
    services.merge(source, pending, batch_id, outcome)
    pending.clear()
    for refusal in outcome.refused[refused_before:]:
        report.add(
            refusal["index"], refusal["record_id"], refusal["code"], refusal["reason"], refusal["errors"]
        )
        if refusal["code"] in SKIPPED_CODES:
            result.skipped += 1
        else:
            result.bad += 1
    del outcome.refused[refused_before:]
