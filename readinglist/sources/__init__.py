"""Network sources: each splits fetching (HTTP) from a pure parse of the recorded body."""
