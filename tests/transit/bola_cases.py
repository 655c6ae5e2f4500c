"""BOLA cases of transit: another resident never sees the owner's trips."""

from datetime import timedelta

from app.core import clock
from app.transit import services
from tests.bola import BolaContext, bola_case
from tests.transit import helpers


def _trip(ctx: BolaContext):
    helpers.network()
    moment = clock.utcnow() - timedelta(minutes=30)
    request = services.TapRequest(
        "M1-DGG-IN", helpers.tap_id(), "entry", helpers.code_for(ctx.owner, moment), moment
    )
    tap, _ = services.record_tap(helpers.scanner_actor(), request, offline=True)
    return tap.trip_id


@bola_case("GET", "/api/v1/transit/trips/{trip_id}")
def owners_trip(ctx: BolaContext) -> dict:
    """The owner reads a trip and its taps; another resident gets 404."""
    trip_id = _trip(ctx)
    return {"trip_id": trip_id, "secret": str(trip_id)}


@bola_case("GET", "/api/v1/transit/trips", collection=True)
def owners_trips(ctx: BolaContext) -> dict:
    """Another resident's trip list never shows the owner's trip."""
    return {"secret": str(_trip(ctx))}
