"""The read-only JSON API under /api/v1/ (``routes``), authenticated by personal tokens."""
