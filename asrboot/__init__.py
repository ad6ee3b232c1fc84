"""asrboot: speech recognition for low-resource languages, with LMs bootstrapped by machine translation."""

__version__ = "0.1.0"
