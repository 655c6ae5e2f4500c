"""The OpenID Connect provider: authlib's authorization server on our clients, codes and token families.

Rules that authlib leaves to us live here: codes and refresh tokens are stored hashed and used once;
a refresh token used twice, or a code used twice, revokes its whole family (every refresh token
rotated from that sign-in and every access token it produced); PKCE is S256 only and public clients
must use it; ID tokens are signed with RS256; access tokens are the API's own JWTs.
"""

from __future__ import annotations

from app.identity.oauth._shared import (  # noqa: F401
    CODE_TTL,
    EXTENSION_KEY,
    ID_TOKEN_TTL,
    OIDC_SCOPES,
    EndUser,
    digest,
)
from app.identity.oauth.grants import (  # noqa: F401
    AccessTokenRecord,
    ClientCredentials,
    CodeGrant,
    OpenIDCodeFlow,
    RefreshGrant,
    Revocation,
    S256Only,
)
from app.identity.oauth.rules import (  # noqa: F401
    claim_once,
    consent_needed,
    discovery_document,
    find_authorization_code,
    find_refresh_token,
    issue_token_set,
    person_for_userinfo,
    prune,
    record_consent,
    revoke_family,
    revoke_sessions_of,
    start_family,
    userinfo_claims,
)
from app.identity.oauth.server import (  # noqa: F401
    init_app,
    server,
)
from app.identity.oauth.token_errors import (  # noqa: F401
    TOKEN_ERRORS,
    explain_token_error,
)
