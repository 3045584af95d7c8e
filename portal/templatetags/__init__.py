"""Template tags for GOV.UK components, number formats and charts."""
