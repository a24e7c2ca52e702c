"""The control tool's one domain error: printed as one line on stderr with a non-zero exit."""


class CanaryError(Exception):
    exit_code = 1


class UnsafeMove(CanaryError):
    """A change refused because it could hurt traffic (unhealthy target, bad weight, unknown version)."""

    exit_code = 3
