"""Small reusable helpers for tests (loopback servers and the like)."""
