"""Automations: sequences of steps that start for a person when a domain event fires — built
and started (services), run step by step (running), and their screens (views)."""
