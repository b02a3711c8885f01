"""CLB: Collectief Landelijk Bibliotheekstelsel."""
