# Written by `coproxy plugin sdk`; running it again rewrites this file.
"""Makes Tyk's Python plugin modules importable in a plugin's own unit tests, with no gateway.

The folder this file is in holds the `tyk` package, `gateway.py` and the coprocess descriptor set
(`coprocess.desc`) exactly as Coproxy's Python workers get them. install() builds the six *_pb2
modules from the descriptor set; the *_pb2.py files beside this one call it, so with this folder on
sys.path `import coprocess_object_pb2` just works (the conftest.py beside it does the same for pytest).
`gateway.TykGateway` calls raise RuntimeError here: there is no gateway to call back into.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DESCRIPTOR_SET = os.path.join(HERE, "coprocess.desc")


def install():
    """Builds the *_pb2 modules once; later calls return the same modules (one pool, so the
    classes of coprocess_object_pb2 and coprocess_session_state_pb2 fit together)."""
    if "coprocess_object_pb2" in sys.modules and getattr(sys.modules["coprocess_object_pb2"], "DESCRIPTOR", None) is not None:
        return
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import coproxy_protos
    coproxy_protos.install(DESCRIPTOR_SET)
