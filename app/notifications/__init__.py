"""Notifications: a transactional outbox relayed to RQ; inbox, SMS, Telegram and webhook channels."""
