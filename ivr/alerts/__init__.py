"""Application services on alerts shared by the command line and the web pages: launch,
cancel, test send."""
