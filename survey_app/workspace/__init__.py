"""The consultants' workspace: organizations, assessments, distribution, monitoring."""
