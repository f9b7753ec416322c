"""newsbot: faithful, clean copies of campus news."""

__version__ = "0.1.0"
