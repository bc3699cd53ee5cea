"""A demo campaign (India and US) for trying Grassroots out: ``seed_demo()``."""
