"""Generation backends: prompt messages in, a stream of text out."""
