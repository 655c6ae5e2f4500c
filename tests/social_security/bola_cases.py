"""BOLA cases of social security: another resident never sees the owner's records or certificates."""

from app.core.actors import Actor, ActorKind
from app.identity import services as identity
from app.social_security import services
from app.social_security.schemas import load_push_items
from tests.bola import BolaContext, bola_case, exempt
from tests.social_security import helpers

SECRET_EMPLOYER = ("91520115MA6H0XGY33", "BOLA秘密单位有限公司")
SECRET = SECRET_EMPLOYER[1]


def _records(ctx: BolaContext):
    number = helpers.national_id()
    identity.verify_real_name(Actor(kind=ActorKind.PERSON, person_id=ctx.owner.id), "资源所有人", number)
    rows = [
        helpers.contribution(f"BOLA-{number}-{m}", number, helpers.month(m), employer_code=SECRET_EMPLOYER,
                             name="资源所有人")
        for m in (1, 2)
    ]  # fmt: skip
    items, invalid = load_push_items(rows)
    assert not invalid, invalid
    outcome = services.ingest_records(helpers.bureau_actor(), items, [])
    assert not outcome.refused, outcome.refused
    return outcome.accepted


def _certificate(ctx: BolaContext):
    _records(ctx)
    return services.issue(Actor(kind=ActorKind.PERSON, person_id=ctx.owner.id), "contribution", 12)


@bola_case("GET", "/api/v1/social-security/records/{record_id}")
def owners_record(ctx: BolaContext) -> dict:
    """The owner reads a record with its versions; another resident gets 404."""
    return {"record_id": _records(ctx)[0]["id"], "secret": SECRET}


@bola_case("GET", "/api/v1/social-security/certificates", collection=True)
def owners_certificates(ctx: BolaContext) -> dict:
    """Another resident's certificate list never shows the owner's certificate."""
    return {"secret": _certificate(ctx).code}


@bola_case("GET", "/api/v1/social-security/certificates/{certificate_id}")
def owners_certificate(ctx: BolaContext) -> dict:
    """The owner reads the certificate and its code; another resident gets 404."""
    certificate = _certificate(ctx)
    return {"certificate_id": certificate.id, "secret": certificate.code}


@bola_case("GET", "/api/v1/social-security/certificates/{certificate_id}/pdf")
def owners_certificate_pdf(ctx: BolaContext) -> dict:
    """Only the owner downloads the certificate's PDF."""
    certificate = _certificate(ctx)
    return {"certificate_id": certificate.id, "secret": certificate.code}


exempt(
    "/api/v1/social-security/statements/<int:year>",
    "the year names no record: the route answers only the caller's own statement "
    "(tests/social_security/test_story.py::test_another_resident_sees_none_of_it)",
)
INSTITUTION_ONLY = (
    "an institution's route: residents are refused (403, kinds=client); an institution reads only the "
    "records it sent (tests/social_security/test_ingest.py: an institution reads back only its own)"
)
for rule in (
    "/api/v1/social-security/institution/records/<string:record_id>",
    "/api/v1/social-security/institution/insured/<uuid:insured_ref>",
):
    exempt(rule, INSTITUTION_ONLY)
