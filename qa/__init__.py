"""Answering: retrieval (dense, keyword, fused), the answer features, sentence selection and
the answer model. Knows nothing of HTTP, settings or the command line: those are qa/app/, the
layer above it (settings and wiring), which the rest of qa never imports."""
