"""Elder care (智慧养老): profiles, daily check-ins, alerts on an escalation ladder, home cards.

Other domains call these functions: ``home_cards`` for the home. The rules live in the modules by
aggregate: ``profiles`` (the elder's record, their devices), ``alerts`` (SOS and sensors, the
ladder, answering), ``checkins`` (平安打卡 and the sweep), ``cards``.
"""

from __future__ import annotations

from app.eldercare.services.alerts import (  # noqa: F401
    acknowledge,
    centre_alerts,
    climb,
    close_alert,
    device_event,
    get_alert,
    ladder_of,
    list_alerts,
    raise_sos,
    record_arrival,
    resolve,
    start_alert,
)
from app.eldercare.services.cards import home_cards  # noqa: F401
from app.eldercare.services.checkins import check_in, list_checkins, sweep_checkins  # noqa: F401
from app.eldercare.services.easy import EasyScreen, easy_screen, set_easy_mode  # noqa: F401
from app.eldercare.services.profiles import (  # noqa: F401
    assigned_elders,
    elder_for_worker,
    list_devices,
    my_profile,
    register_device,
    save_profile,
)
from app.eldercare.services.visits import (  # noqa: F401
    ProviderSubsidy,
    SubsidyReport,
    end_visit,
    get_visit,
    install,
    list_visits,
    my_voucher,
    provider_visits,
    start_visit,
    subsidy_report,
    top_up_voucher,
)
