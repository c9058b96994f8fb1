"""Wandr: visitor analytics for malls and facilities (dwell, occupancy, crowds, journeys)."""

__version__ = "0.1.0"
