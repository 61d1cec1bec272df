"""Language-aware text handling, below everything that reads words: sentences, (later) languages and analyzers."""
