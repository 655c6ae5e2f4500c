"""Payments: one ledger for bills, parking and commerce — intents, refunds, providers, settlement."""
