"""Lowest layer of ingestion: file readers, header synonyms and Indonesian value parsers."""
