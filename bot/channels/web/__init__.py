"""The web door: the web chat, its embeddable widget and the staff panel, in one ASGI app."""
