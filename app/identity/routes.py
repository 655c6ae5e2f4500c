"""The signed-in person: profile, preferences and who has read their data."""

from app.core.api import ApiBlueprint, current_actor
from app.core.pagination import PageArgsSchema, page_schema
from app.extensions import db
from app.identity import services
from app.identity.schemas import AuditEntrySchema, MeSchema, PreferencesSchema

blp = ApiBlueprint("identity", __name__, description="The signed-in person")


@blp.route("/me")
@blp.auth()
@blp.response(200, MeSchema)
def get_me():
    """The signed-in person, their roles and preferences."""
    return services.my_profile(current_actor())


@blp.route("/me", methods=["PATCH"])
@blp.auth()
@blp.arguments(PreferencesSchema)
@blp.response(200, MeSchema)
def update_me(changes):
    """Change language or display name."""
    person = services.update_preferences(current_actor(), **changes)
    db.session.commit()
    return person


@blp.route("/me/access-log")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(AuditEntrySchema))
def access_log(args):
    """Every staff or institutional read of my personal data, newest first."""
    return services.access_log(current_actor(), **args)
