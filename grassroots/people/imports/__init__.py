"""Voter-file imports."""
