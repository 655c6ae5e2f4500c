"""Certificates: issued from the records, printed as PDF in the reader's language, checked by code."""

from __future__ import annotations

import io
import uuid

from pypdf import PdfReader

from app.social_security.models import Certificate
from tests.social_security import helpers
from tests.social_security.helpers import EMPLOYER, contribution, month, push

CERTIFICATES = "/api/v1/social-security/certificates"
VERIFY = "/api/v1/social-security/certificates/verify"


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")


def _records(client, bureau, fund, number):
    push(client, bureau, *[contribution(f"C-{ago}", number, month(ago)) for ago in (1, 2, 3)])
    deposit = contribution("F-1", number, month(1), scheme="housing_fund", employer=96_000, personal=96_000)
    push(
        client,
        fund,
        deposit,
        helpers.entry("F-E1", number, "housing_fund", "credit", 192_000, 500_000, helpers.day(5)),
    )


def test_a_contribution_certificate_prints_in_chinese_and_its_code_checks_out(
    client, auth, insured, bureau, fund
):
    person, number = insured
    _records(client, bureau, fund, number)
    issued = client.post(CERTIFICATES, headers=auth(person), json={"kind": "contribution", "months": 6})
    assert issued.status_code == 201, issued.get_data(as_text=True)
    certificate = issued.get_json()
    assert certificate["kind_label"] == "社会保险参保缴费证明"
    assert certificate["facts"]["schemes"][0]["months_in_window"] == 3

    pdf = client.get(f"{CERTIFICATES}/{certificate['id']}/pdf", headers=auth(person))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _text(pdf.data)
    for expected in (
        "社会保险参保缴费证明",
        "张**",
        "养老保险",
        "正常参保",
        EMPLOYER[1],
        certificate["code"],
    ):
        assert expected in text, expected
    assert number not in text  # only the masked ID is printed

    checked = client.get(VERIFY, query_string={"code": certificate["code"].lower().replace("-", " ")})
    assert checked.status_code == 200
    body = checked.get_json()
    assert (body["status"], body["name"], body["facts"]) == ("valid", "张**", certificate["facts"])
    assert number not in checked.get_data(as_text=True)


def test_the_housing_fund_certificate_prints_in_english(client, auth, insured, bureau, fund):
    person, number = insured
    _records(client, bureau, fund, number)
    english = auth(person, **{"Accept-Language": "en"})
    certificate = client.post(CERTIFICATES, headers=english, json={"kind": "housing_fund"}).get_json()
    assert (
        certificate["facts"]["monthly_deposit_fen"] == 192_000
        and certificate["facts"]["balance_fen"] == 500_000
    )
    text = _text(client.get(f"{CERTIFICATES}/{certificate['id']}/pdf", headers=english).data)
    for expected in (
        "Certificateofhousingprovidentfunddeposits",
        "CN¥1,920.00",
        "CN¥5,000.00",
        "Verificationcode",
    ):
        assert expected in text, expected
    traditional = auth(person, **{"Accept-Language": "zh-TW"})
    assert "住房公積金繳存證明" in _text(
        client.get(f"{CERTIFICATES}/{certificate['id']}/pdf", headers=traditional).data
    )


def test_a_tampered_code_or_tampered_facts_fail(client, db, auth, insured, bureau, fund):
    person, number = insured
    _records(client, bureau, fund, number)
    certificate = client.post(CERTIFICATES, headers=auth(person), json={"kind": "contribution"}).get_json()
    code = certificate["code"]
    flipped = code[:-1] + ("0" if code[-1] != "0" else "1")
    for wrong in (flipped, "ABCD-1234", code[5:] + code[:5]):
        refused = client.get(VERIFY, query_string={"code": wrong})
        assert refused.status_code == 404 and refused.get_json()["code"] == "certificate-not-verified"

    stored = db.session.get(Certificate, uuid.UUID(certificate["id"]))
    stored.facts = {**stored.facts, "name": "王**"}  # someone edits the stored facts
    db.session.flush()
    assert client.get(VERIFY, query_string={"code": code}).status_code == 404


def test_no_certificate_without_records_and_an_expired_one_says_so(client, auth, insured, bureau, fund):
    from datetime import timedelta

    from app.core import clock

    person, number = insured
    nothing = client.post(CERTIFICATES, headers=auth(person), json={"kind": "housing_fund"})
    assert nothing.status_code == 404 and nothing.get_json()["code"] == "no-records"
    _records(client, bureau, fund, number)
    certificate = client.post(CERTIFICATES, headers=auth(person), json={"kind": "contribution"}).get_json()
    with clock.frozen(clock.utcnow() + timedelta(days=120)):
        body = client.get(VERIFY, query_string={"code": certificate["code"]}).get_json()
    assert body["status"] == "expired" and body["facts"] == certificate["facts"]
    listed = client.get(CERTIFICATES, headers=auth(person)).get_json()["items"]
    assert [item["id"] for item in listed] == [certificate["id"]]
