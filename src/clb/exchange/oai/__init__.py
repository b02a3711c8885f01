"""OAI-PMH 2.0 repository over the national catalogue (https://www.openarchives.org/OAI/2.0/)."""
