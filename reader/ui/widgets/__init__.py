"""Widgets: receive models, post messages; they never call the store."""
