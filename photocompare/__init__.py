"""PhotoCompare: before/after photo comparison for chronic-migraine (PREEMPT) clinics."""

__version__ = "0.1.0"
APP_NAME = "PhotoCompare"
