"""Tyk's plugin package, as Coproxy's Python workers provide it."""
