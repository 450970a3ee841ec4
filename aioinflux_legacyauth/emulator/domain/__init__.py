"""What the emulated server knows and decides, free of HTTP: the store, IDs, permission
matching, password rules and hashing, and the server's error values."""
