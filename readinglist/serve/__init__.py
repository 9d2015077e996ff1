"""Better-BibTeX-compatible endpoints on 127.0.0.1, so editor plugins cite from readinglist."""
