"""The service layer: the one facade (:class:`readinglist.services.library.Library`) and its helpers."""
