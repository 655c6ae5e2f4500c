"""The 12345 hotline: complaints from every channel, routed, on the clock, to a rated close."""
