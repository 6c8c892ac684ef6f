"""Feed documents: parsing (bytes + headers -> items), OPML, feed discovery in web pages."""
