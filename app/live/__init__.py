"""Live updates: the Server-Sent Events stream of an event's changes, and its statistics."""
