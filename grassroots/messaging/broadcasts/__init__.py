"""Broadcasts: one message to many people (services, audience, A/B tests), their forms and
screens (forms, views)."""
