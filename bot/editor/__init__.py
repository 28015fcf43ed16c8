"""Editing content from the staff panel (issue 14): forms, validation as check-content, publish, history.

HTTP-free: bot.channels.web.editor* renders it; bot.cli uses new_centre.
"""
