"""flask social-security import: streamed files, all or nothing, a report of every bad row."""

from __future__ import annotations

import csv
import json

from app.core.uow import unit_of_work
from app.social_security import importer
from app.social_security.models import Record, Source
from tests.social_security import helpers
from tests.social_security.helpers import contribution, month

COLUMNS = ("record_id", "kind", "national_id", "name", "scheme", "period", "base_fen", "employer_fen",
           "personal_fen", "employer_code", "employer_name", "as_of")  # fmt: skip


def _csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in COLUMNS})
    return path


def _report(path, reader=csv.DictReader) -> list:
    with path.open(encoding="utf-8") as report:
        return list(reader(report))


def _count(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Record))


def test_a_csv_file_imports_with_a_progress_and_again_changes_nothing(db, tmp_path):
    number = helpers.national_id()
    rows = [contribution(f"F-{ago}", number, month(ago)) for ago in range(1, 25)]
    path = _csv(tmp_path / "batch.csv", rows)
    moved = []
    result = importer.import_file(path, Source.SOCIAL_SECURITY, progress=moved.append)
    assert (result.rows, result.bad, result.counts["created"]) == (24, 0, 24)
    assert sum(moved) == path.stat().st_size
    assert _count(db) == 24
    again = importer.import_file(path, Source.SOCIAL_SECURITY)
    assert again.counts["unchanged"] == 24 and _count(db) == 24
    lines = _report(result.report, csv.reader)
    assert lines == [list(importer.REPORT_FIELDS)]


def test_one_bad_row_refuses_the_file_and_every_bad_row_is_reported(app, db, tmp_path):
    number = helpers.national_id()
    rows = [contribution(f"G-{ago}", number, month(ago)) for ago in range(1, 6)]
    rows[1]["national_id"] = "520102199003071230"
    rows[3]["employer_fen"] = "12.5"
    rows.append(dict(rows[0]))  # the same record id twice
    path = _csv(tmp_path / "bad.csv", rows)
    with db.session.begin_nested() as outer:
        result = importer.import_file(path, Source.SOCIAL_SECURITY)
        outer.rollback()  # what the command does with a refused file
    assert result.refused and result.bad == 2
    report = _report(result.report)
    assert [(r["line"], r["record_id"], r["code"]) for r in report] == [
        ("3", "G-2", "validation-failed"),
        ("5", "G-4", "validation-failed"),
    ]
    assert "national_id" in json.loads(report[0]["errors"])
    assert _count(db) == 0


def test_the_command_refuses_a_file_and_leaves_nothing(app, db, tmp_path):
    number = helpers.national_id()
    rows = [contribution(f"H-{ago}", number, month(ago)) for ago in range(1, 4)]
    rows.append(dict(rows[0]))
    path = _csv(tmp_path / "dup.csv", rows)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["social-security", "import", str(path)])
    assert refused.exit_code == 1 and "file refused: 1 bad rows of 4, nothing imported" in refused.output
    report = _report(tmp_path / "dup.csv.report.csv")
    assert [(r["line"], r["code"]) for r in report] == [("5", "duplicate-in-batch")]
    assert _count(db) == 0
    good = _csv(tmp_path / "good.csv", rows[:3])
    done = runner.invoke(args=["social-security", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert "3 rows imported (created 3, corrected 0, unchanged 0" in done.output


def test_json_arrays_objects_and_lines_stream_alike(db, tmp_path):
    number = helpers.national_id()
    rows = [contribution(f"J-{ago}", number, month(ago), scheme="housing_fund") for ago in (1, 2, 3)]
    (tmp_path / "a.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"records": rows}), encoding="utf-8")
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    created = importer.import_file(tmp_path / "a.json", Source.HOUSING_FUND)
    assert created.counts["created"] == 3
    for name in ("b.json", "c.jsonl"):
        assert importer.import_file(tmp_path / name, Source.HOUSING_FUND).counts["unchanged"] == 3
    wrong = importer.import_file(tmp_path / "a.json", Source.SOCIAL_SECURITY)
    assert wrong.bad == 3


def test_unknown_columns_refuse_the_file_at_its_header(db, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("record_id,kind,salary\nX,contribution,100\n", encoding="utf-8")
    with unit_of_work():
        result = importer.import_file(path, Source.SOCIAL_SECURITY)
    assert result.bad == 1
    report = _report(result.report)
    assert report[0]["line"] == "1" and "salary" in report[0]["errors"]
