"""Session message classes under Tyk's names."""

from coprocess_session_state_pb2 import (  # noqa: F401
    AccessDefinition, AccessSpec, BasicAuthData, JWTData, Monitor, SessionState)

TykSession = SessionState
