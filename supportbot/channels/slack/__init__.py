"""The Slack channel: answers mentions and direct messages in threads, via the HTTP Events API or Socket Mode.

Modules: tokens (credentials from the environment), store (dedupe, replies, feedback, handoffs),
pool (bounded workers), poster (one message streamed into a thread), blocks (Block Kit),
bot (what to do with events and clicks), app (bolt listeners), server (HTTP / Socket Mode runner).
"""
