"""The results and comparison pages read by consultants and leaders."""
