"""FastAGI call flows of the voice channel, one module each: the alert call (outbound);
the staff recording line and the information line (inbound) will stand beside it."""
