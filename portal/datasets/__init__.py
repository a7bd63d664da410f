"""Versioned datasets: every upload is a version, one version per dataset is published, and one
monotonic data version number changes whenever anything published changes."""
