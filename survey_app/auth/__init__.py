"""Signing in and out, and who the current user is."""
