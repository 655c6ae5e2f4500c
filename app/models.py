"""Every domain's models, imported once so metadata (and Alembic) sees all tables."""

from app.bills import models as bills_models  # noqa: F401
from app.city import models as city_models  # noqa: F401
from app.complaints import models as complaints_models  # noqa: F401
from app.core import idempotency as core_idempotency  # noqa: F401
from app.core import jobs as core_jobs  # noqa: F401
from app.core import models as core_models  # noqa: F401
from app.core import sms as core_sms  # noqa: F401
from app.identity import models as identity_models  # noqa: F401
from app.notifications import models as notifications_models  # noqa: F401
from app.payments import models as payments_models  # noqa: F401
