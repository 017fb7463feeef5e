"""Tyk's hook decorators: `from tyk.decorators import *`.

`@Hook` picks the call form from the number of parameters the function declares:
3 -> f(request, session, spec), 4 -> f(request, session, metadata, spec),
5 -> f(request, response, session, metadata, spec). The legacy decorators have fixed forms.
"""

import functools
import inspect

__all__ = ["Hook", "Pre", "Post", "PostKeyAuth", "CustomKeyCheck", "Event"]


def _positional_count(f):
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return 3
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in kinds)


class _Decorated(object):
    """A plugin function with its name (the hook name APIs use) and its call form.

    The wrapper carries the function's __name__, __qualname__, __doc__, __module__ and attributes,
    and __wrapped__ points at it, so tools that inspect a plugin (inspect.signature, help, test
    frameworks, other decorators) see the function rather than this wrapper.
    """

    arg_count = 3

    def __init__(self, f):
        functools.update_wrapper(self, f)
        self.__dict__.pop("arg_count", None)  # copied from f when decorators are stacked; the class decides
        self.f = f
        self.name = f.__name__

    def __call__(self, *args, **kwargs):
        return self.f(*args, **kwargs)


class Hook(_Decorated):
    def __init__(self, f):
        _Decorated.__init__(self, f)
        self.arg_count = _positional_count(f)


class Pre(_Decorated):
    arg_count = 3


class Post(_Decorated):
    arg_count = 3


class PostKeyAuth(_Decorated):
    arg_count = 3


class CustomKeyCheck(_Decorated):
    arg_count = 4


class Event(_Decorated):
    arg_count = 2


HOOK_CLASSES = (Hook, Pre, Post, PostKeyAuth, CustomKeyCheck)
