"""The HTTP fixtures of the end-to-end layer, for the security probes."""
from tests.e2e.conftest import auth, client, dispute, sign_off  # noqa: F401  (fixtures)
