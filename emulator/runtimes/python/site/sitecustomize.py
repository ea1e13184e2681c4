"""Imported at start-up by every Python process a handler runs in (the emulator puts this
directory on PYTHONPATH), before any handler code. Cheap until needed: it imports nothing heavy,
it only watches for two imports.

- botocore: botocore older than 1.31 (Debian 12 ships 1.29) ignores AWS_ENDPOINT_URL and would send
  a handler's calls to real AWS. Once botocore.session is imported, Session.create_client gives
  every client that names no endpoint_url serverlite's: AWS_ENDPOINT_URL_<SERVICE> (the service
  id in upper case, spaces as underscores) if set, else AWS_ENDPOINT_URL. Newer botocore reads
  the same variables itself, so both agree. boto3 sends SQS calls to the client's endpoint, not
  to the host of a QueueUrl, so a hard-coded real QueueUrl stays on serverlite too.
- socket: below every client (botocore with an explicit AWS endpoint, urllib, requests, asyncio),
  a name lookup for an AWS host (*.amazonaws.com, *.amazonaws.com.cn, *.api.aws) fails at once
  with ECONNREFUSED and a line in the log, so that a handler never reaches real AWS. Its TLS could
  not be answered by serverlite, so the connection is refused rather than redirected.
- boto3: Lambda's Python runtimes include it. This interpreter's own boto3 is used (the app's
  packages first, as sys.path orders them); where it has none, the import error names the
  interpreter and the command that installs it.

The interpreter's own sitecustomize, if any, still runs (after this one's set-up).
"""

import importlib.machinery  # already loaded by the import system: free
import os
import sys

# No importlib.abc or importlib.util here: importing them costs tens of milliseconds (typing,
# importlib.resources) at every start; the finder and loader below are duck-typed instead.

_HERE = os.path.dirname(os.path.abspath(__file__))


def _endpoint_for(service_id):
    name = "AWS_ENDPOINT_URL_" + service_id.upper().replace(" ", "_").replace("-", "_")
    return os.environ.get(name) or os.environ.get("AWS_ENDPOINT_URL")


def _patch_session(module):
    session_class = getattr(module, "Session", None)
    create_client = getattr(session_class, "create_client", None)
    if create_client is None or getattr(create_client, "_serverlite", False):
        return

    def serverlite_create_client(self, service_name, *args, **kwargs):
        # endpoint_url is create_client's fifth parameter (service_name, region_name,
        # api_version, use_ssl, verify, endpoint_url, ...).
        if kwargs.get("endpoint_url") is None and len(args) < 5:
            service_id = service_name
            try:
                model = self.get_service_model(service_name)
                service_id = model.service_id.hyphenize().replace("-", "_")
            except Exception:
                pass
            url = _endpoint_for(service_id)
            if url:
                kwargs["endpoint_url"] = url
        return create_client(self, service_name, *args, **kwargs)

    serverlite_create_client._serverlite = True
    serverlite_create_client.__doc__ = create_client.__doc__
    session_class.create_client = serverlite_create_client


_AWS_HOST = None  # the pattern, compiled on first use (re is loaded by then: socket imports it)
_refused_hosts = set()


def _is_aws_host(host):
    global _AWS_HOST
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if _AWS_HOST is None:
        import re
        _AWS_HOST = re.compile(r"(^|\.)(amazonaws\.com(\.cn)?|api\.aws)\.?$", re.IGNORECASE)
    return _AWS_HOST.search(host) is not None


def _guard_socket(module):
    getaddrinfo = getattr(module, "getaddrinfo", None)
    if getaddrinfo is None or getattr(getaddrinfo, "_serverlite", False):
        return

    def serverlite_getaddrinfo(host, *args, **kwargs):
        if _is_aws_host(host):
            name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
            if name not in _refused_hosts:
                _refused_hosts.add(name)
                sys.stderr.write("serverlite: refused a connection to the AWS host %s: a handler "
                                 "must not reach real AWS (serverlite is at %s)\n"
                                 % (name, os.environ.get("AWS_ENDPOINT_URL") or "no endpoint"))
            import errno
            raise ConnectionRefusedError(
                errno.ECONNREFUSED, "serverlite: refused a connection to the AWS host %s" % name)
        return getaddrinfo(host, *args, **kwargs)

    serverlite_getaddrinfo._serverlite = True
    serverlite_getaddrinfo.__doc__ = getaddrinfo.__doc__
    module.getaddrinfo = serverlite_getaddrinfo


class _Watcher:
    """Finds nothing itself: asks the other finders, and wraps the loader of the modules it
    watches so that they are patched right after they run."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in ("botocore.session", "boto3", "socket"):
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        if spec is None:
            if fullname == "boto3":
                raise ModuleNotFoundError(
                    "No module named 'boto3': Lambda's Python runtimes include boto3, and this "
                    "interpreter (%s) has none. Install it for this interpreter: "
                    "`sudo apt-get install python3-boto3` for Debian's python3, or "
                    "`%s -m pip install boto3`; or put it in the app's own packages."
                    % (sys.executable, sys.executable), name="boto3")
            return None
        if fullname in ("botocore.session", "socket") and spec.loader is not None and hasattr(
                spec.loader, "exec_module"):
            spec.loader = _PatchingLoader(spec.loader)
        return spec


class _PatchingLoader:
    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        if module.__name__ == "socket":
            _guard_socket(module)
        else:
            _patch_session(module)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def _install():
    if "botocore.session" in sys.modules:
        _patch_session(sys.modules["botocore.session"])
    if "socket" in sys.modules:
        _guard_socket(sys.modules["socket"])
    sys.meta_path.insert(0, _Watcher())


def _chain():
    """Runs the interpreter's own sitecustomize, which this module shadows."""
    others = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is None or spec.loader is None:
        return
    try:
        module = type(sys)(spec.name)  # importlib.util is slow to import; this is all it did
        module.__spec__, module.__loader__, module.__file__ = spec, spec.loader, spec.origin
        spec.loader.exec_module(module)
    except Exception as e:  # as site.py treats a failing sitecustomize: report, carry on
        sys.stderr.write("Error in sitecustomize (%s): %s\n" % (spec.origin, e))


_install()
_chain()
