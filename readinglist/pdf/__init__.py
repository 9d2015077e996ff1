"""PDF building blocks, free of the database.

``document`` reads PDFs in-process (PyMuPDF), ``worker`` runs that in a child process with a
timeout, ``identify`` finds arXiv id, DOI and title in extracted text, ``fetch`` downloads PDFs
that are complete and verified, ``annotations`` reads and writes PDF annotations. Import the
submodules directly: this package imports nothing, so the worker starts without ``requests``.
"""
