"""``python -m bots.telegram``."""

from bots.telegram.bot import main

main()
