"""Observation -> memories: extraction and update. The rule path works without any model."""
