"""Community gates and venues over HTTP: scanners read codes, residents issue passes, staff register."""

from __future__ import annotations

from app.access import services
from app.access.schemas import (
    CardSchema,
    CompoundSchema,
    EventSchema,
    GateScanSchema,
    PassCreateSchema,
    PassSchema,
    ResidencySchema,
    ResidentRegisterSchema,
    ScanResultSchema,
    StaffResidencySchema,
    VenueScanSchema,
    VenueSchema,
)
from app.core.actors import ActorKind
from app.core.api import ApiBlueprint, current_actor
from app.core.pagination import PageArgsSchema, page_schema

blp = ApiBlueprint("access", __name__, description="Community gates, visitor passes and venues (一码通行)")
scanner_blp = ApiBlueprint("access_scanners", __name__, description="Compound gate and venue scanners")
staff_blp = ApiBlueprint("staff_access", __name__, description="Community workers registering residents")

SCANNER = {"kinds": (ActorKind.CLIENT,), "scopes": ("citycode:verify",)}
STAFF = {"roles": services.REGISTRARS}


@scanner_blp.route("/access/gate-scans", methods=["POST"])
@scanner_blp.auth(**SCANNER)
@scanner_blp.arguments(GateScanSchema)
@scanner_blp.response(200, ScanResultSchema)
def scan_at_gate(body):
    """A compound gate read a code: a resident's city code (purpose ``community_gate``) or a visitor pass.

    The gate must be one this scanner operates (404 ``unknown-access-point`` otherwise). Every scan
    is logged for the resident whose code or pass it was.
    """
    return services.scan_at_gate(
        current_actor(), body["gate"], body["code"], body["direction"], scan_id=body["scan_id"]
    )


@scanner_blp.route("/access/venue-scans", methods=["POST"])
@scanner_blp.auth(**SCANNER)
@scanner_blp.arguments(VenueScanSchema)
@scanner_blp.response(200, ScanResultSchema)
def scan_at_venue(body):
    """A venue's entrance read a city code for its purpose: admitted by real name or as a card holder."""
    return services.scan_at_venue(current_actor(), body["venue"], body["code"], scan_id=body["scan_id"])


@blp.route("/access/compounds")
@blp.auth()
@blp.response(200, ResidencySchema(many=True))
def my_compounds():
    """The compounds I live in (as the community worker registered me), with their gates."""
    return services.my_compounds(current_actor())


@blp.route("/access/passes", methods=["POST"])
@blp.auth()
@blp.arguments(PassCreateSchema)
@blp.response(201, PassSchema)
def issue_pass(body):
    """Issue a pass for a visitor to my compound: valid for at most 7 days and 1-20 entries."""
    return services.issue_pass(current_actor(), **body)


@blp.route("/access/passes")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(PassSchema))
def list_passes(args):
    """The passes I issued, newest first."""
    return services.list_passes(current_actor(), **args)


@blp.route("/access/passes/<uuid:pass_id>")
@blp.auth()
@blp.response(200, PassSchema)
def get_pass(pass_id):
    """One of my passes."""
    return services.get_pass(current_actor(), pass_id)


@blp.route("/access/passes/<uuid:pass_id>/revoke", methods=["POST"])
@blp.auth()
@blp.response(200, PassSchema)
def revoke_pass(pass_id):
    """Stop one of my passes now (409 ``pass-not-active`` when it already ended)."""
    return services.revoke_pass(current_actor(), pass_id)


@blp.route("/access/passes/<uuid:pass_id>/events")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(EventSchema))
def pass_events(args, pass_id):
    """Every scan of one of my passes, newest first."""
    return services.pass_events(current_actor(), pass_id, **args)


@blp.route("/access/events")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(EventSchema))
def my_events(args):
    """Every scan of my city code at gates and venues, and of the passes I issued, newest first."""
    return services.my_events(current_actor(), **args)


@blp.route("/access/venues")
@blp.response(200, VenueSchema(many=True))
def list_venues():
    """The libraries, sports centres and museums that accept the city code."""
    return services.venues()


@blp.route("/access/cards")
@blp.auth()
@blp.response(200, CardSchema(many=True))
def my_cards():
    """My venue cards (a library card number is what the library's gate learns)."""
    return services.my_cards(current_actor())


@blp.route("/access/venues/<uuid:venue_id>/card", methods=["POST"])
@blp.auth()
@blp.response(201, CardSchema)
def get_card(venue_id):
    """My card of a venue that admits card holders, issued on first asking (the same card again)."""
    return services.get_card(current_actor(), venue_id)


@staff_blp.route("/access/compounds")
@staff_blp.auth(**STAFF)
@staff_blp.response(200, CompoundSchema(many=True))
def compounds():
    """Every compound with its gates."""
    return services.compounds()


@staff_blp.route("/access/compounds/<uuid:compound_id>/residents", methods=["POST"])
@staff_blp.auth(**STAFF)
@staff_blp.arguments(ResidentRegisterSchema)
@staff_blp.response(201, StaffResidencySchema)
def register_resident(body, compound_id):
    """Register a person (by phone) as a resident of the compound, after checking who they are."""
    return services.register_resident(current_actor(), compound_id, body["phone"], body["unit"])


@staff_blp.route("/access/compounds/<uuid:compound_id>/residents/<uuid:person_id>", methods=["DELETE"])
@staff_blp.auth(**STAFF)
@staff_blp.response(204)
def remove_resident(compound_id, person_id):
    """The person moved out: their code no longer opens the compound's gates, their passes end."""
    services.remove_resident(current_actor(), compound_id, person_id)
