"""Handover to a person: the rules of a ticket for every door (`tickets`). No door."""
