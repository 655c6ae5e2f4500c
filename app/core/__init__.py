"""The shared kernel: errors, actors and policies, audit, PII, money, geo, calendar, pagination."""
