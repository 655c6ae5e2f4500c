"""The directory and the home over HTTP."""

from __future__ import annotations

from flask import jsonify

from app.core.api import ApiBlueprint, current_actor, optional_actor
from app.home import services
from app.home.schemas import HomeSchema, ServiceDirectorySchema, ServiceQuerySchema, ServiceSchema, home_view

blp = ApiBlueprint("home", __name__, description="One door (一网通办): the service directory and my home")


@blp.route("/services")
@blp.arguments(ServiceQuerySchema, location="query")
@blp.response(200, ServiceDirectorySchema)
def directory(args):
    """Every city service the app offers, by category; search in Chinese, English or pinyin.

    Open to anyone. Signed in, my most recently used services come first, then the most popular;
    with ``q``, the best matches come first.
    """
    return services.list_services(optional_actor(), query=args["q"], category=args["category"])


@blp.route("/me/services/<string:code>/visits", methods=["POST"])
@blp.auth()
@blp.response(200, ServiceSchema)
def visit(code):
    """I opened a service: it moves to the front of my directory and my home's shortcuts."""
    return services.record_visit(current_actor(), code)


@blp.route("/me/home")
@blp.auth()
@blp.response(200, HomeSchema)
def home():
    """What needs me now, from every service, most urgent first; and the same for those I act for.

    ``mine`` holds my cards; ``on_behalf`` a section for each person whose mandate I hold, with their
    cards within the mandate's scopes (each look is written to their access log). With
    ``X-On-Behalf-Of``, only that person's section. An empty home is a home with no cards.
    """
    return jsonify(home_view(services.home_of(current_actor())))  # what HomeSchema documents
