"""Bytes as the Go server reads and writes them: its JSON decoder, request schemas,
response bodies and headers."""
