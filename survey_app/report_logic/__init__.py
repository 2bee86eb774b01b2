"""Pure report logic for the PDF gap report: path to the next stage, stage odds, recommendations."""
