# Plugins for DebugHeadersIT: the test finds the lines by their "line:" markers.
import json
from tyk.decorators import *


@Hook
def DbgOk(request, session, spec):
    return request, session


def divide(n):
    return n / 0  # line: divide


@Hook
def DbgDivides(request, session, spec):
    divide(1)
    return request, session


@Hook
def DbgBadJson(request, session, spec):
    json.loads("{")  # line: json
    return request, session
