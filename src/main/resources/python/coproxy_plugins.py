"""Finds plugin code and its hooks, one namespace per directory.

A bundle directory (one of an API's plugin directories) loads its manifest's entry module:
middleware.py, or the only file of file_list. The default folder (<middleware_path>/python) loads
every *.py file in it. Modules a plugin imports from its own directory are dropped from
sys.modules after loading, so two bundles can each have a helpers.py and a MyPreHook.

A file that no longer loads keeps its previous hooks: those this worker loaded before, or, for a
worker started after the broken save, the last source any worker of the gateway loaded from that
path (kept under the folder COPROXY_PLUGIN_CACHE names).
"""

import hashlib
import importlib
import importlib.util
import json
import os
import sys
import traceback

from tyk import decorators


class NotFound(Exception):
    """No hook of that name (the message says where it was looked for)."""


class Namespace(object):
    """The hooks and event handlers of one directory, plus what failed while loading it."""

    def __init__(self, directory):
        self.directory = directory
        self.hooks = {}
        self.errors = []
        self.modules = []
        self.by_path = {}


class Plugins(object):
    def __init__(self, log_load_error, cache_dir=None):
        self._log_load_error = log_load_error
        self._cache_dir = cache_dir
        self._namespaces = {}
        self._previous = {}
        self._generation = None
        self._counter = 0

    def refresh(self, generation):
        """Drops every loaded module when the gateway reloaded since the code was loaded."""
        if generation is None or (self._generation is not None and generation <= self._generation):
            return
        for namespace in self._namespaces.values():
            for name in namespace.modules:
                sys.modules.pop(name, None)
        # What was loaded stays at hand: a file that no longer loads keeps its previous hooks.
        self._previous.update(self._namespaces)
        # A directory that is gone (an old bundle version) has nothing left to fall back to.
        self._previous = {d: ns for d, ns in self._previous.items() if os.path.isdir(d)}
        self._namespaces = {}
        self._generation = generation
        importlib.invalidate_caches()

    def find(self, name, bundle_dirs, default_dir):
        """The decorated function named `name`, searching the API's directories in order."""
        directories = [(d, True) for d in bundle_dirs] or [(default_dir, False)]
        errors = []
        for directory, is_bundle in directories:
            namespace = self._namespace(directory, is_bundle)
            if name in namespace.hooks:
                return namespace.hooks[name]
            errors.extend(namespace.errors)
        where = ", ".join(d for d, _ in directories)
        message = "no hook named %r in %s" % (name, where)
        if errors:
            message += " (code that failed to load: %s)" % "; ".join(errors)
        raise NotFound(message)

    def _namespace(self, directory, is_bundle):
        namespace = self._namespaces.get(directory)
        if namespace is None:
            namespace = Namespace(directory)
            for path in self._entry_files(directory, is_bundle, namespace):
                self._load(path, namespace)
            self._namespaces[directory] = namespace
        return namespace

    def _entry_files(self, directory, is_bundle, namespace):
        if not os.path.isdir(directory):
            namespace.errors.append("%s is not a directory" % directory)
            return []
        if is_bundle:
            manifest_path = os.path.join(directory, "manifest.json")
            file_list = []
            if os.path.isfile(manifest_path):
                try:
                    with open(manifest_path) as handle:
                        file_list = json.load(handle).get("file_list") or []
                except (OSError, ValueError) as e:
                    namespace.errors.append("%s: %s" % (manifest_path, e))
                    self._log_load_error(namespace.errors[-1])
                    return []
            python_files = [f for f in file_list if f.endswith(".py")]
            entry = python_files[0] if len(file_list) == 1 and python_files else "middleware.py"
            if os.path.isfile(os.path.join(directory, entry)):
                return [os.path.join(directory, entry)]
        return [os.path.join(directory, f) for f in sorted(os.listdir(directory))
                if f.endswith(".py") and os.path.isfile(os.path.join(directory, f))]

    def _load(self, path, namespace):
        try:
            with open(path, "rb") as handle:
                source = handle.read()
            module = self._exec(path, source)
        except BaseException as e:  # a plugin's top level may even call sys.exit
            detail = traceback.format_exception_only(type(e), e)[-1].strip()
            if isinstance(e, SyntaxError):
                detail = "SyntaxError at %s line %s: %s" % (e.filename, e.lineno, e.msg)
            namespace.errors.append("%s: %s" % (path, detail))
            trace = "" if isinstance(e, SyntaxError) else "\n" + traceback.format_exc().rstrip()
            kept = self._previous.get(namespace.directory)
            kept = kept.by_path.get(path) if kept is not None else None
            if kept:
                namespace.hooks.update(kept)
                namespace.by_path[path] = kept
                trace += " (its previous version stays live until it is fixed)"
            else:
                module = self._last_good(path)
                if module is not None:
                    self._add(namespace, path, module)
                    trace += " (the last version the gateway loaded stays live until it is fixed)"
            self._log_load_error("could not load %s: %s%s" % (path, detail, trace))
            return
        self._remember(path, source)
        self._add(namespace, path, module)

    def _exec(self, path, source):
        """Runs `source` as the module of `path`: the bytes that were read are the ones that run."""
        self._counter += 1
        module_name = "_coproxy_plugin_%d_%s" % (self._counter, os.path.basename(path)[:-3])
        directory = os.path.dirname(path)
        before = set(sys.modules)
        sys.path.insert(0, directory)
        try:
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            exec(compile(source, path, "exec"), module.__dict__)
            return module
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        finally:
            sys.path.remove(directory)
            self._forget_helpers(before, directory)

    @staticmethod
    def _add(namespace, path, module):
        namespace.modules.append(module.__name__)
        hooks = {}
        for attribute in dir(module):
            value = getattr(module, attribute)
            if isinstance(value, decorators._Decorated):
                hooks[value.name] = value
        namespace.hooks.update(hooks)
        namespace.by_path[path] = hooks

    def _cached(self, path):
        return os.path.join(self._cache_dir, hashlib.sha256(os.path.abspath(path).encode()).hexdigest() + ".py")

    def _remember(self, path, source):
        """Keeps the source that loaded for workers started later (written whole, then renamed)."""
        if not self._cache_dir:
            return
        target = self._cached(path)
        partial = "%s.%d" % (target, os.getpid())
        try:
            with open(partial, "wb") as handle:
                handle.write(source)
            os.replace(partial, target)
        except OSError:
            pass  # no fallback for later workers; this one keeps its own

    def _last_good(self, path):
        """The module of the last source of `path` that loaded, or None."""
        if not self._cache_dir:
            return None
        try:
            with open(self._cached(path), "rb") as handle:
                source = handle.read()
            return self._exec(path, source)
        except BaseException:
            return None

    @staticmethod
    def _forget_helpers(before, directory):
        prefix = os.path.join(os.path.abspath(directory), "")
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules.get(name), "__file__", None) or ""
            if name.startswith("_coproxy_plugin_"):
                continue
            if os.path.abspath(module_file).startswith(prefix):
                del sys.modules[name]
