"""Turning company documents into a searchable index, and searching it."""
