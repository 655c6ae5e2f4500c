"""Elder care (智慧养老): profiles, daily check-ins, alerts on an escalation ladder, home cards.

Other domains call these functions: ``home_cards`` for the home; commerce ``take_from_voucher`` and
``give_back_to_voucher`` for an elder's subsidised order, ``register_voucher_redeemer`` for the report,
``begin_visit`` and ``finish_visit`` (as a ``VisitProvider``) for the order's visit at the door.
The rules live in the modules by aggregate: ``profiles`` (the elder's record, their devices),
``alerts`` (SOS and sensors, the ladder, answering), ``checkins`` (平安打卡 and the sweep), ``cards``,
``visits`` (verified care visits and the care voucher).
"""

from __future__ import annotations

from app.eldercare.services.alerts import (  # noqa: F401
    ETA_CHOICES,
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
    SUBSIDY_FUND,
    MerchantSubsidy,
    ProviderSubsidy,
    SubsidyReport,
    VisitProvider,
    begin_visit,
    end_visit,
    finish_visit,
    get_visit,
    give_back_to_voucher,
    install,
    lapse_unfinished_visits,
    lapse_visit,
    list_visits,
    my_voucher,
    provider_visits,
    register_voucher_redeemer,
    start_visit,
    subsidy_report,
    take_from_voucher,
    top_up_voucher,
)
