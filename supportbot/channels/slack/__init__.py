"""The Slack channel: answers mentions and direct messages in threads, via the HTTP Events API or Socket Mode.

Modules: tokens (credentials from the environment), store (dedupe, replies, feedback, handoffs),
pool (bounded workers, one message of a thread at a time), poster (one message streamed into a
thread), blocks (Block Kit), incoming (a person's text out of Slack's markup), retries (which Slack
failures to try again), bot (what to do with events and clicks), app (bolt listeners), intake (what
the events endpoint refuses before bolt), server (HTTP / Socket Mode runner).
"""
