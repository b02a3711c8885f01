"""Views of the pages people use: public catalogue, Mijn Bibliotheek and the staff desk."""
