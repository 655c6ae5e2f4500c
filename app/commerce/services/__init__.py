"""Community commerce (社区云商圈): merchants, listings, the nearby search, orders and reviews.

Merchants register with their business licence (unified social credit code) and list nothing until
the street office verifies them; their owners and staff are members. Residents search verified
merchants' listings within a radius (``app.core.nearby``), order and pay through the payments ledger
under an ``Idempotency-Key`` (stock is taken in one guarded update, so it is never oversold), and the
merchant accepts (or declines, refunded) within a time limit, makes it ready, and the resident
confirms. A completed order may be reviewed once. A family member with a ``commerce`` mandate orders
for an elder; an elder-care order's subsidy is paid when its visit is verified at the door (``visits``).
"""

from __future__ import annotations

from app.commerce.services._shared import (  # noqa: F401
    ACCEPT_WITHIN,
    DOMAIN,
    MANDATE_SCOPE,
    MAX_MEMBERS,
    MAX_NEARBY,
    MAX_QUANTITY,
    member_ids,
)
from app.commerce.services.cards import home_cards  # noqa: F401
from app.commerce.services.complaints import complain_about_order  # noqa: F401
from app.commerce.services.listings import (  # noqa: F401
    SORTS,
    create_listing,
    merchant_listings,
    public_listings,
    search_nearby,
    update_listing,
)
from app.commerce.services.merchants import (  # noqa: F401
    add_member,
    decide_merchant,
    get_merchant_as_member,
    list_members,
    merchants_to_verify,
    my_merchants,
    public_merchant,
    register_merchant,
    remove_member,
    set_hours,
)
from app.commerce.services.orders import (  # noqa: F401
    accept_order,
    cancel_by_merchant,
    cancel_order,
    cancel_refusal,
    confirm_received,
    decline_order,
    decline_unanswered,
    get_order,
    install,
    list_orders,
    mark_ready,
    merchant_order,
    merchant_orders,
    on_payment_settled,
    place_order,
    refund_on_cancel,
)
from app.commerce.services.photos import (  # noqa: F401
    add_listing_photo,
    add_review_photo,
    public_photo,
    remove_listing_photo,
)
from app.commerce.services.reviews import (  # noqa: F401
    merchant_reviews,
    reply_to_review,
    review_order,
)
from app.commerce.services.settlement import (  # noqa: F401
    settlement_by_day,
    settlement_csv,
)
from app.commerce.services.visits import (  # noqa: F401
    end_order_visit,
    release_lapsed_subsidies,
    start_order_visit,
)
