"""Shared pytest configuration. Keep it tiny: helpers live in ``tests/helpers``."""
