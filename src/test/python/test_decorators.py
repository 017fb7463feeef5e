"""tyk.decorators: the call form each decorator gives, and the function's metadata kept."""

import functools
import inspect
import unittest

import coproxy_testing  # noqa: F401 (puts the runner's directory on sys.path)
from tyk import decorators
from tyk.decorators import CustomKeyCheck, Event, Hook, Post, PostKeyAuth, Pre


def documented(request, session, spec):
    """Adds a header."""
    return request, session


documented.custom_attribute = "kept"


class DecoratorsTest(unittest.TestCase):

    def test_hook_keeps_the_functions_metadata(self):
        hook = Hook(documented)
        self.assertEqual("documented", hook.__name__)
        self.assertEqual("documented", hook.name)
        self.assertEqual("documented", hook.__qualname__)
        self.assertEqual("Adds a header.", hook.__doc__)
        self.assertEqual(__name__, hook.__module__)
        self.assertIs(documented, hook.__wrapped__)
        self.assertEqual("kept", hook.custom_attribute)
        self.assertEqual(["request", "session", "spec"], list(inspect.signature(hook).parameters))

    def test_every_decorator_keeps_the_metadata(self):
        for decorator in (Hook, Pre, Post, PostKeyAuth, CustomKeyCheck, Event):
            wrapped = decorator(documented)
            self.assertEqual(("documented", "Adds a header.", documented),
                             (wrapped.__name__, wrapped.__doc__, wrapped.__wrapped__), decorator.__name__)
            self.assertIsInstance(wrapped, decorators._Decorated)

    def test_hook_takes_its_form_from_the_declared_parameters(self):
        @Hook
        def three(request, session, spec):
            return "three", request

        @Hook
        def four(request, session, metadata, spec):
            pass

        @Hook
        def five(request, response, session, metadata, spec):
            pass

        self.assertEqual((3, 4, 5), (three.arg_count, four.arg_count, five.arg_count))
        self.assertEqual(("three", "r"), three("r", "s", "spec"))
        self.assertEqual(("three", "r"), three(request="r", session="s", spec="spec"))

    def test_a_function_wrapped_by_another_decorator_is_counted_through_its_wrapper(self):
        def logged(f):
            @functools.wraps(f)
            def wrapper(*args):
                return f(*args)
            return wrapper

        @Hook
        @logged
        def MyAuth(request, session, metadata, spec):
            """Checks the token."""

        self.assertEqual((4, "MyAuth", "Checks the token."), (MyAuth.arg_count, MyAuth.name, MyAuth.__doc__))

    def test_legacy_decorators_have_fixed_forms_even_when_stacked(self):
        self.assertEqual((3, 3, 3, 4, 2), tuple(d(documented).arg_count
                                               for d in (Pre, Post, PostKeyAuth, CustomKeyCheck, Event)))
        self.assertEqual(3, Pre(Hook(lambda a, b, c, d: None)).arg_count)
        self.assertEqual(4, Hook(CustomKeyCheck(lambda a, b, c, d: None)).arg_count)


if __name__ == "__main__":
    unittest.main()
