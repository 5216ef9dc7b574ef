"""ogi-etl: government-information-disclosure annual reports from PDF to a checked database."""

__version__ = "0.1.0"
