"""A throwaway Django site serving django-survey-and-report for bench/peer/peer.py (peer venv only)."""
