"""Peer-to-peer texting: campaigns, batches, replies (services) and the screens (views)."""
