"""The email collector: questions sent to an IMAP mailbox before (and during) the event."""
