"""Questions sent in before the event (email, forms): imported from CSV or JSON files."""
