"""Qt item models (ids and frozen records only) and the app context they share."""
