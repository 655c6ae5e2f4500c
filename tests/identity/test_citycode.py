"""The dynamic city code: issued to a resident, verified offline by anyone and online by scanners."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import segno
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError
from joserfc.jwk import KeySet, OKPKey
from joserfc.jwt import JWTClaimsRegistry

from app.core import clock
from app.identity import citycode, keys, tokens
from app.identity.models import Person

ID_NUMBER = "11010519491231002X"


def _scanner_headers(client_row, scopes=None) -> dict:
    token = tokens.issue_client_token(client_row.client_id, scopes or client_row.scopes)
    return {"Authorization": f"Bearer {token}"}


def _fresh_code(client, auth, person) -> dict:
    response = client.get("/api/v1/me/citycode", headers=auth(person))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def _verify(client, scanner_row, code: str, purpose: str = "transit", **headers):
    return client.post(
        "/api/v1/citycode/verify",
        json={"code": code, "purpose": purpose},
        headers={**_scanner_headers(scanner_row), **headers},
    )


def _segments(code: str) -> list[dict | bytes]:
    header, payload, signature = code.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return [
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    ]


def test_an_app_drawing_the_qr_itself_asks_for_no_images_and_the_code_still_verifies(
    client, auth, resident, scanner
):
    headers = auth(resident)
    bare = client.get("/api/v1/me/citycode?images=none", headers=headers)
    assert bare.status_code == 200, bare.get_json()
    assert (bare.json["qr_svg"], bare.json["qr_png"]) == (None, None)
    assert _verify(client, scanner[0], bare.json["code"]).json["valid"] is True
    svg_only = client.get("/api/v1/me/citycode?images=svg", headers=headers).json
    assert svg_only["qr_svg"].startswith("<svg") and svg_only["qr_png"] is None
    refused = client.get("/api/v1/me/citycode?images=gif", headers={**headers, "Accept-Language": "en"})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.json["errors"]["images"] == ["Must be one of: svg,png, png,svg, svg, png, none."]


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_code_is_a_short_lived_eddsa_jws_naming_only_a_pseudonymous_subject(client, auth, resident):
    issued = _fresh_code(client, auth, resident)
    header, claims, _sig = _segments(issued["code"])
    assert header["alg"] == "EdDSA" and header["kid"].startswith("citycode-")
    assert set(claims) == {"sub", "iat", "exp", "jti"}
    assert 0 < claims["exp"] - claims["iat"] <= 120
    for identifying in (str(resident.id), resident.phone, resident.phone[-11:]):
        assert identifying not in claims["sub"]
    assert issued["qr_svg"].startswith("<svg")
    png = base64.b64decode(issued["qr_png"].removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    expected, qr = io.BytesIO(), segno.make(issued["code"], error="m", micro=False, mask=citycode.QR_MASK)
    qr.save(expected, kind="png", scale=4, border=2)
    assert png == expected.getvalue(), "the image is the QR of exactly this code"
    again = _fresh_code(client, auth, resident)
    assert _segments(again["code"])[1]["jti"] != claims["jti"], "every code has its own jti"
    assert _segments(again["code"])[1]["sub"] != claims["sub"], "a new subject in every code (unlinkable)"


def test_a_gate_verifies_offline_with_any_jose_library_and_the_published_jwks(client, auth, resident):
    code = _fresh_code(client, auth, resident)["code"]
    published = client.get("/api/v1/citycode/jwks").get_json()
    assert all("d" not in key for key in published["keys"]), "only public keys are published"
    keyset = KeySet.import_key_set(published)

    token = jwt.decode(code, keyset, algorithms=["EdDSA"])
    JWTClaimsRegistry(exp={"essential": True}, jti={"essential": True}).validate(token.claims)

    header, claims, signature = _segments(code)
    tampered = f"{_b64(header)}.{_b64({**claims, 'sub': 'someone-else'})}.{signature}"
    with pytest.raises(BadSignatureError):
        jwt.decode(tampered, keyset, algorithms=["EdDSA"])
    later = datetime.now(UTC) + timedelta(seconds=200)
    with pytest.raises(ExpiredTokenError):
        JWTClaimsRegistry(now=int(later.timestamp()), exp={"essential": True}).validate(token.claims)


def test_key_rotation_keeps_codes_already_shown_verifiable(client, auth, resident, db):
    old_code = _fresh_code(client, auth, resident)["code"]
    keys.rotate_key(keys.CITYCODE, early=True)
    db.session.commit()
    new_code = _fresh_code(client, auth, resident)["code"]
    assert _segments(new_code)[0]["kid"] != _segments(old_code)[0]["kid"]
    keyset = KeySet.import_key_set(client.get("/api/v1/citycode/jwks").get_json())
    for code in (old_code, new_code):
        jwt.decode(code, keyset, algorithms=["EdDSA"])


def test_online_verification_accepts_once_then_refuses_a_replay(client, auth, resident, scanner):
    scanner_row, _secret = scanner
    code = _fresh_code(client, auth, resident)["code"]
    first = _verify(client, scanner_row, code)
    assert first.status_code == 200
    assert first.get_json() == {
        "valid": True,
        "purpose": "transit",
        "reason": None,
        "message": None,
        "claims": {},
    }
    second = _verify(client, scanner_row, code, **{"Accept-Language": "en"}).get_json()
    assert second["valid"] is False and second["reason"] == "replayed"
    assert "already used" in second["message"]


def test_each_kind_of_bad_code_is_refused_with_its_own_reason(client, auth, resident, scanner, db):
    scanner_row, _ = scanner
    code = _fresh_code(client, auth, resident)["code"]
    header, claims, signature = _segments(code)
    # The signed parts of a good code under a header that adds a critical extension, or names HS256.
    critical = f"{_b64({**header, 'crit': ['exp'], 'exp': 1})}.{code.split('.', 1)[1]}"
    hs256 = f"{_b64({**header, 'alg': 'HS256'})}.{code.split('.', 1)[1]}"

    tampered = f"{_b64(header)}.{_b64({**claims, 'exp': claims['exp'] + 3600})}.{signature}"

    foreign_key = OKPKey.generate_key("Ed25519")
    with keys._eddsa_allowed():
        wrong_key = jws.serialize_compact(
            {"alg": "EdDSA", "kid": "citycode-not-ours"}, json.dumps(claims), foreign_key, ["EdDSA"]
        )
        forged_with_our_kid = jws.serialize_compact(
            {"alg": "EdDSA", "kid": header["kid"]},
            json.dumps({**claims, "jti": "forged"}),
            foreign_key,
            ["EdDSA"],
        )

    with clock.frozen(datetime.now(UTC) - timedelta(minutes=10)):
        expired = client.get("/api/v1/me/citycode", headers=auth(resident)).get_json()["code"]

    reasons = {
        "tampered": _verify(client, scanner_row, tampered).get_json()["reason"],
        "wrong key": _verify(client, scanner_row, wrong_key).get_json()["reason"],
        "forged": _verify(client, scanner_row, forged_with_our_kid).get_json()["reason"],
        "expired": _verify(client, scanner_row, expired).get_json()["reason"],
        "garbage": _verify(client, scanner_row, "not-a-code").get_json()["reason"],
        "critical header": _verify(client, scanner_row, critical).get_json()["reason"],
        "not base64url": _verify(client, scanner_row, f"{code[:-2]}!!").get_json()["reason"],
        "another algorithm": _verify(client, scanner_row, hs256).get_json()["reason"],
    }
    assert reasons == {
        "tampered": "bad_signature",
        "wrong key": "unknown_key",
        "forged": "bad_signature",
        "expired": "expired",
        "garbage": "malformed",
        "critical header": "malformed",
        "not base64url": "bad_signature",
        "another algorithm": "malformed",
    }


def test_a_lost_phone_report_revokes_every_code_issued_before_it(client, auth, resident, scanner):
    scanner_row, _ = scanner
    before = _fresh_code(client, auth, resident)["code"]
    reported = client.post("/api/v1/me/citycode/revoke", headers=auth(resident))
    assert reported.status_code == 200
    assert _verify(client, scanner_row, before).get_json()["reason"] == "revoked"
    after = _fresh_code(client, auth, resident)["code"]
    assert _verify(client, scanner_row, after).get_json()["valid"] is True


def test_every_online_verification_is_in_the_residents_scan_log(
    client, auth, resident, other_resident, scanner
):
    scanner_row, _ = scanner
    code = _fresh_code(client, auth, resident)["code"]
    _verify(client, scanner_row, code, purpose="library")
    _verify(client, scanner_row, code, purpose="library")
    scans = client.get("/api/v1/me/citycode/scans", headers=auth(resident)).get_json()["items"]
    assert [(s["client_name"], s["purpose"], s["outcome"]) for s in scans] == [
        ("地铁1号线闸机", "library", "replayed"),
        ("地铁1号线闸机", "library", "accepted"),
    ]
    assert client.get("/api/v1/me/citycode/scans", headers=auth(other_resident)).get_json()["items"] == []


def test_each_purpose_sees_only_its_claims_and_identity_reads_are_audited(
    client, auth, resident, scanner, hospital
):
    client.post(
        "/api/v1/me/real-name",
        json={"legal_name": "张三丰", "national_id": ID_NUMBER},
        headers=auth(resident),
    )
    scanner_row, _ = scanner
    hospital_row, _ = hospital

    transit = _verify(client, scanner_row, _fresh_code(client, auth, resident)["code"], "transit").get_json()
    assert transit["claims"] == {}
    gate = _verify(
        client, scanner_row, _fresh_code(client, auth, resident)["code"], "community_gate"
    ).get_json()
    assert gate["claims"] == {"real_name_verified": True}

    at_hospital = _verify(
        client, hospital_row, _fresh_code(client, auth, resident)["code"], "hospital"
    ).get_json()
    assert at_hospital["claims"] == {
        "real_name_verified": True,
        "legal_name": "张三丰",
        "national_id": "110***********002X",
    }
    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    assert [(e["actor_kind"], e["client_id"], e["resource"]) for e in log] == [
        ("client", hospital_row.client_id, "citycode:hospital")
    ]


def test_a_gate_scanner_may_not_ask_for_identities(client, auth, resident, scanner):
    scanner_row, _ = scanner
    response = _verify(client, scanner_row, _fresh_code(client, auth, resident)["code"], "hospital")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_only_scanners_verify_and_only_residents_get_codes(client, auth, resident, scanner):
    scanner_row, _ = scanner
    code = _fresh_code(client, auth, resident)["code"]
    as_resident = client.post(
        "/api/v1/citycode/verify", json={"code": code, "purpose": "transit"}, headers=auth(resident)
    )
    assert as_resident.status_code == 403
    without_scope = client.post(
        "/api/v1/citycode/verify",
        json={"code": code, "purpose": "transit"},
        headers=_scanner_headers(scanner_row, scopes=["parking:write"]),
    )
    assert without_scope.status_code == 403
    assert client.get("/api/v1/me/citycode", headers=_scanner_headers(scanner_row)).status_code == 403
    assert (
        client.post("/api/v1/citycode/verify", json={"code": code, "purpose": "transit"}).status_code == 401
    )


def test_unknown_subject_is_refused(client, auth, resident, scanner, db):
    scanner_row, _ = scanner
    code = _fresh_code(client, auth, resident)["code"]
    person = db.session.get(Person, resident.id)
    person.citycode_subject = "reassigned"
    db.session.commit()
    assert _verify(client, scanner_row, code).get_json()["reason"] == "unknown_subject"


def test_lost_phone_also_signs_out_other_devices(app, client, auth, resident, mini_program, db):
    from app.identity import oauth

    other_device = oauth.start_family(mini_program, resident, "openid", datetime.now(UTC))
    token = oauth.issue_token_set(mini_program, resident, other_device)["access_token"]
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    reported = client.post("/api/v1/me/citycode/revoke", headers=auth(resident)).get_json()
    assert reported["signed_out_sessions"] == 1
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_code_lifetime_never_exceeds_two_minutes(app, db, resident):
    app.config["CITYCODE_TTL_SECONDS"] = 600
    try:
        issued = citycode.issue_code(resident)
    finally:
        app.config["CITYCODE_TTL_SECONDS"] = 60
    assert (issued.expires_at - issued.issued_at).total_seconds() == 120


def test_a_transit_scan_reads_the_holder_without_their_identity_and_names_the_scanner_from_its_token(
    client, auth, resident, scanner, hospital, db
):
    from tests.statements import Statements

    resident.legal_name, resident.national_id = "李小明", "520102199001011234"
    db.session.flush()
    (scanner_row, _), (hospital_row, _) = scanner, hospital
    assert _verify(client, scanner_row, _fresh_code(client, auth, resident)["code"]).get_json()["valid"]
    code, headers = _fresh_code(client, auth, resident)["code"], _scanner_headers(scanner_row)
    with Statements() as transit:
        scanned = client.post(
            "/api/v1/citycode/verify", json={"code": code, "purpose": "transit"}, headers=headers
        )
    assert scanned.get_json()["valid"]
    people = [s for s in transit.seen if "FROM people" in s and "citycode_subject" in s.split("WHERE")[-1]]
    assert len(people) == 1 and "legal_name" not in people[0].split("FROM")[0]
    # The scanner was loaded once, to check its token; the scan log takes its name from there.
    assert sum("FROM oauth_clients" in s for s in transit.seen) == 1

    code = _fresh_code(client, auth, resident)["code"]
    seen = _verify(client, hospital_row, code, purpose="hospital").get_json()
    assert seen["claims"]["legal_name"] == "李小明"
    scans = client.get("/api/v1/me/citycode/scans", headers=auth(resident)).get_json()["items"]
    assert [s["client_name"] for s in scans[:3]] == ["市第一人民医院", "地铁1号线闸机", "地铁1号线闸机"]
