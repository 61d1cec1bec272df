"""Measuring supportbot: retrieval quality on BEIR-layout datasets, answer quality end to end."""
