"""The Telegram bot: a second front end on the same services, as the linked resident."""
