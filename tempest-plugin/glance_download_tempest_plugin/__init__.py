"""Tempest tests of the glance-download import method across regions."""
