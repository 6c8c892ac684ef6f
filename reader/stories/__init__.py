"""Stories (items from many feeds that report the same news, grouped) and tracked topics (saved searches)."""
