"""Demo data: a living network built by `flask demo`, for `make run`, the tests and the bench."""
