"""The event an @Event handler receives: the attributes of Tyk's JSON payload."""

import json


class TykEvent(object):
    def __init__(self, event_json):
        self.__dict__ = json.loads(event_json)
