"""tools/tempest's steps, one module each (see cli for the whole run)."""
