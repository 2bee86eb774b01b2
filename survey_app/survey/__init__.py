"""The respondents' survey: team and personal links, drafts, submission."""
