"""The dialogue manager, its prompt composer and its conversation store."""
