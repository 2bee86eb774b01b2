"""The pages outside every feature: the home page, the health and readiness checks, error pages."""
