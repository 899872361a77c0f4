"""Answering: retrieval (dense, keyword, fused), the answer features, sentence selection and
the answer model. Knows nothing of HTTP, settings or the command line."""
