"""Every feature of the bot, in menu order: a domain adds its module here and its line below.

See docs/telegram-bot.md ("Adding a domain to the bot").
"""

from __future__ import annotations

from bots.telegram.features import (
    account,
    appointments,
    bills,
    citycode,
    commerce,
    complaints,
    easy,
    eldercare,
    home,
    inbox,
    parking,
    social_security,
    transit,
)

FEATURES = (
    account.FEATURE,
    home.FEATURE,
    citycode.FEATURE,
    bills.FEATURE,
    complaints.FEATURE,
    social_security.FEATURE,
    inbox.FEATURE,
    parking.FEATURE,
    appointments.FEATURE,
    commerce.FEATURE,
    eldercare.FEATURE,
    easy.FEATURE,
    transit.FEATURE,
)
