"""Channels move text between a user and the dialogue manager: the console now, Slack next."""
