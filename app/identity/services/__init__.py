"""People, sign-in, roles, real names, mandates, account links and the city code; the authenticator.

Other domains call these functions (never the models): ``age_of`` and ``is_real_name_verified``
for a resident's age and real-name state, ``linked_account_id`` / ``person_by_linked_account`` /
``redeem_link_code`` for the Telegram bot, ``proxy_actor`` to act for someone under a mandate,
``client_actor_for_api_key`` for Open311 callers.
"""

from __future__ import annotations

from app.identity.services._shared import (  # noqa: F401
    LINK_CODE_ALPHABET,
    LINK_CODE_LENGTH,
    LINK_CODE_TTL,
    LINK_PROVIDERS,
    MANDATE_MAX_DURATION,
    ROLES_NEEDING_DEPARTMENT,
    ROLES_NEEDING_MERCHANT,
    CodeRejected,
    LinkCodeRejected,
    ReplayCheckUnavailable,
    acceptable_redirect,
    client_actor_for_api_key,
    client_by_id,
    client_name,
    upsert_client,
)
from app.identity.services.chats import (  # noqa: F401
    CONVERSATION_TTL,
    LinkedChat,
    claim_update,
    keep_chat_state,
    linked_chat,
)
from app.identity.services.citycodes import (  # noqa: F401
    Scanner,
    flush_scan_buffer,
    my_city_code,
    my_city_code_scans,
    prune_expired,
    report_lost_phone,
    verify_city_code,
)
from app.identity.services.links import (  # noqa: F401
    actor_for_linked_account,
    create_link_code,
    linked_account_id,
    list_links,
    person_actor,
    person_by_linked_account,
    redeem_link_code,
    remove_link,
)
from app.identity.services.mandates import (  # noqa: F401
    PRINCIPALS,
    Principal,
    accept_mandate,
    active_mandate,
    get_mandate,
    grant_mandate,
    guardians_of,
    home_cards,
    list_mandates,
    mandate_status,
    principals_from,
    principals_of,
    register_mandate_for,
    revoke_mandate,
)
from app.identity.services.people import (  # noqa: F401
    NEW_PERSON_HOOKS,
    access_log,
    age_of,
    get_or_create_person,
    get_person,
    is_real_name_verified,
    my_profile,
    my_profile_as_read,
    my_profile_view,
    national_id_hash_of,
    national_id_hash_statement,
    people_by_id,
    people_by_national_id_hash,
    people_with_role,
    person_by_phone,
    profile_of,
    update_preferences,
    verify_real_name,
)
from app.identity.services.roles import (  # noqa: F401
    grant_role,
    grant_role_by_phone,
    install_merchant_directory,
    revoke_role,
)
from app.identity.services.signin import (  # noqa: F401
    send_sign_in_code,
    sign_in_with_otp,
)
from app.identity.services.wiring import (  # noqa: F401
    PeopleDirectory,
    install,
    install_authenticator,
    proxy_actor,
)
