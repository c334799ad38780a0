"""Time: the clock, the trust's calendar (working days, closures) and deadlines."""
