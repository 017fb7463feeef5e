"""coproxy_plugins: a file that stops loading keeps its last good hooks, also in a worker started later."""

import os
import shutil
import tempfile
import unittest

import coproxy_testing  # noqa: F401 (puts the runner's directory on sys.path)
from coproxy_plugins import NotFound, Plugins

GOOD = '''
from tyk.decorators import Pre

@Pre
def Greet(request, session, spec):
    return "version 1"
'''

BROKEN = '''
from tyk.decorators import Pre

@Pre
def Greet(request, session, spec)
    return "version 2"
'''


class LastGoodTest(unittest.TestCase):

    def setUp(self):
        self.plugins_dir = tempfile.mkdtemp(prefix="coproxy-plugins-")
        self.cache_dir = tempfile.mkdtemp(prefix="coproxy-last-good-")
        self.file = os.path.join(self.plugins_dir, "greet.py")
        self.logged = []

    def tearDown(self):
        shutil.rmtree(self.plugins_dir)
        shutil.rmtree(self.cache_dir)

    def save(self, source):
        with open(self.file, "w") as handle:
            handle.write(source)

    def worker(self, cache_dir):
        return Plugins(self.logged.append, cache_dir)

    def greet(self, plugins):
        return plugins.find("Greet", [], self.plugins_dir)

    def test_a_worker_that_loaded_the_good_version_keeps_it(self):
        self.save(GOOD)
        plugins = self.worker(self.cache_dir)
        plugins.refresh(1)
        self.assertEqual("Greet", self.greet(plugins).name)
        self.save(BROKEN)
        plugins.refresh(2)
        self.greet(plugins)
        self.assertIn("line 5", self.logged[-1])
        self.assertIn("its previous version stays live", self.logged[-1])

    def test_a_worker_started_after_the_broken_save_serves_the_last_good_source(self):
        self.save(GOOD)
        first = self.worker(self.cache_dir)
        first.refresh(1)
        self.greet(first)
        self.save(BROKEN)

        later = self.worker(self.cache_dir)
        later.refresh(2)
        hook = self.greet(later)
        self.assertEqual("Greet", hook.name)
        self.assertEqual(self.file, hook.__wrapped__.__code__.co_filename, "frames name the plugin's own file")
        self.assertIn("SyntaxError at %s line 5" % self.file, self.logged[-1])
        self.assertIn("the last version the gateway loaded stays live", self.logged[-1])

    def test_without_a_last_good_source_the_hook_is_missing_and_the_error_says_why(self):
        self.save(BROKEN)
        plugins = self.worker(self.cache_dir)
        plugins.refresh(1)
        with self.assertRaises(NotFound) as raised:
            self.greet(plugins)
        self.assertIn("SyntaxError", str(raised.exception))

    def test_a_fixed_file_replaces_the_last_good_source(self):
        self.save(GOOD)
        self.greet(self.worker(self.cache_dir))
        self.save(GOOD.replace("version 1", "version 3"))
        self.greet(self.worker(self.cache_dir))
        self.save(BROKEN)
        later = self.worker(self.cache_dir)
        self.assertEqual("version 3", self.greet(later)(None, None, None))


if __name__ == "__main__":
    unittest.main()
