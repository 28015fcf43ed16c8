"""Broadcasts: confirming a draft and the outbox worker (`worker`), the wizard's rules (`wizard`). No door."""
