"""Every write in marketplace, by area."""
