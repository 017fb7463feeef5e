# Written by `coproxy plugin sdk`; running it again rewrites this file.
"""pytest loads this first: it puts Tyk's plugin modules (tyk, gateway, the *_pb2 modules) on the
path of the tests in this folder."""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

import coproxy_sdk  # noqa: E402

coproxy_sdk.install()
