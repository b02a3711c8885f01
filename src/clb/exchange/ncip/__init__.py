"""NCIP 2.02 responder (NISO Z39.83-1-2012) for interlibrary loan."""
