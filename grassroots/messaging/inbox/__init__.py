"""The shared inbox: reply threads per person and channel (services) and its screens (views)."""
