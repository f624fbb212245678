"""`python build.py serve`: the live preview, on livereload's server.

livereload only rebuilds while a browser is connected, reloads once per changed
file and drops changes that come within seconds of a reload. So Briefing
watches the sources itself (watch.py), waits for a burst of saves to settle,
rebuilds once, and tells every open page to reload. A failed
rebuild keeps the last good site on disk and shows the errors over the page.
"""

from __future__ import annotations

import gc
import html
import json
import logging
import mimetypes
import sys
import threading
import time
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from livereload import Server
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.watcher import Watcher
from tornado import ioloop, web

from . import search
from .builder import Builder, BuildOptions, BuildResult
from .parallel import Progress
from .problems import Problem, Problems
from .settings import load_settings
from .watch import SourceWatcher

SETTLE_SECONDS = 0.01
SOFT_RELOAD = "briefing-soft-reload"
SEARCH_INDEX_CHANGED = "briefing-search-index"  # reloads only a page showing search results
LATER_PAGES_CHANGED = "briefing-later-pages"  # soft-reloads only a page of a kind left for after the reload
LATER = frozenset({"pack"})  # kinds of page rendered after the reload: a volume of the pack shows 200 briefs
CATCH_UP_SECONDS = 1.0  # a pause in the saves after which the pages left for later are rendered, out of the way of quick saves
# A livereload.js plugin: on a content change it fetches the page again and swaps
# in its body (keeping the scroll position, and much faster than a navigation),
# or reloads a page with scripts of its own (a swapped-in body runs none); when a
# new search index is in place it reloads the search page, and when the pages left
# for after the reload are rendered, those pages; stylesheet and template changes
# keep livereload's own reloads.
SOFT_RELOAD_SCRIPT = b"""<script>(function () {
  var latest = 0;
  function SoftReload() {}
  SoftReload.identifier = "briefing-soft-reload";
  SoftReload.version = "1.0";
  SoftReload.prototype.reload = function (path) {
    if (path === "%(search)s") {
      if (document.getElementById("search")) { location.reload(); }
      return true;
    }
    if (path === "%(later)s" && !document.body.matches("%(later_pages)s")) { return true; }
    if (path !== "%(soft)s" && path !== "%(later)s") { return false; }
    var mine = ++latest;
    fetch(location.href, {cache: "no-store"}).then(function (response) { return response.text(); }).then(function (text) {
      if (mine !== latest) { return; }
      var fresh = new DOMParser().parseFromString(text, "text/html");
      if (fresh.body.querySelector("script[src]")) { location.reload(); return; }  // a swapped-in body runs no script
      document.title = fresh.title;
      document.body.replaceWith(fresh.body);
    }).catch(function () { location.reload(); });
    return true;
  };
  (function install() {
    if (window.LiveReload && window.LiveReload.addPlugin) { window.LiveReload.addPlugin(SoftReload); }
    else { setTimeout(install, 10); }
  })();
})();</script>""" % {b"search": SEARCH_INDEX_CHANGED.encode(), b"soft": SOFT_RELOAD.encode(), b"later": LATER_PAGES_CHANGED.encode(),
                     b"later_pages": ", ".join(f".page-{kind}" for kind in sorted(LATER)).encode()}
# Loads livereload.js, which opens its socket to where it was loaded from (the port in ?port=: location.port is empty for 80).
LIVERELOAD_SCRIPT = b"""<script>(function () {
  var script = document.createElement("script");
  script.src = "/livereload.js?port=" + (location.port || (location.protocol === "https:" ? 443 : 80));
  document.body.appendChild(script);
})();</script>"""
NOT_FOUND_PAGE = b"<!DOCTYPE html><html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>"


class PreviewState:
    """What the server shows: the output folder, its base path, and the last build's errors.

    `generation` counts finished builds; `served` remembers which generation each
    page was last sent with, so a page that loaded while a rebuild was running
    is told to reload as soon as it connects (a reload sent meanwhile is lost):
    the whole page when a template or stylesheet changed since (`restyled`, the
    generation of the last such build), else just its body. It is keyed by the
    file sent, not the URL asked for (every missing URL gets 404.html), so it
    holds at most one entry per page of the site however many URLs are asked for.
    """

    def __init__(self, output: Path, base_path: str):
        self.output = output.resolve()
        self.base_path = base_path
        self.errors: tuple[str, ...] = ()
        self.generation = 0
        self.restyled = 0
        self.served: dict[Path, int] = {}


def reload_stale_page(handler: LiveReloadHandler, message: str, state: PreviewState) -> None:
    """On a page's livereload handshake, reload it at once if a build finished after it was served."""
    try:
        data = json.loads(message)
    except ValueError:
        return
    if isinstance(data, dict) and data.get("command") == "info" and isinstance(data.get("url"), str):
        page = resolve_request(state, data["url"]) or state.output / "404.html"
        served = state.served.get(page, state.generation)
        if served < state.generation:
            handler.send_message({"command": "reload", "path": "*" if served < state.restyled else SOFT_RELOAD, "liveCSS": True, "liveImg": True})


class PreviewSocket(LiveReloadHandler):
    """livereload's socket, for the preview's own pages only; a page that missed a reload gets it as it connects."""

    def initialize(self, state: PreviewState):
        self.state = state

    def check_origin(self, origin: str) -> bool:
        # livereload accepts any origin, so any web page open in the browser could listen in. Same-origin pages send
        # exactly the Host they asked for (127.0.0.1 and localhost differ).
        return urlsplit(origin).netloc == self.request.headers.get("Host")

    def on_message(self, message):
        super().on_message(message)
        reload_stale_page(self, message, self.state)


def resolve_request(state: PreviewState, request_path: str) -> Path | None:
    """The file a URL path names inside the output folder, or None: never a file outside it."""
    raw = urlsplit(request_path).path
    if "\\" in raw or "\x00" in raw:
        return None
    path = unquote(raw)
    if "\\" in path or "\x00" in path or not path.startswith(state.base_path):
        return None
    relative = path[len(state.base_path):]
    parts = [p for p in relative.split("/") if p]
    if any(p in (".", "..") or ":" in p for p in parts):
        return None
    candidate = state.output.joinpath(*parts) if parts else state.output
    try:  # OSError: e.g. a name longer than the file system allows
        if candidate.is_dir():
            candidate = candidate / "index.html"
        resolved = candidate.resolve()
        resolved.relative_to(state.output)
        return resolved if resolved.is_file() else None
    except (ValueError, OSError):
        return None


def error_overlay(errors: tuple[str, ...]) -> bytes:
    lines = "\n".join(html.escape(e) for e in errors)
    return (
        '<div id="briefing-errors" role="alert" style="position:fixed;inset:0;z-index:2147483647;overflow:auto;'
        'background:rgba(20,20,20,.92);color:#fff;font:15px/1.5 ui-monospace,monospace;padding:2rem">'
        '<h2 style="color:#ff8a80;font:bold 18px system-ui,sans-serif;margin:0 0 1rem">Build failed: the page shows the last good build</h2>'
        f'<pre style="white-space:pre-wrap;margin:0">{lines}</pre></div>'
    ).encode()


class PreviewHandler(web.RequestHandler):
    def initialize(self, state: PreviewState):
        self.state = state

    def get(self, *_args):
        state = self.state
        path = urlsplit(self.request.uri).path
        if path == "/" and state.base_path != "/":
            return self.redirect(state.base_path)
        target = resolve_request(state, self.request.uri)
        if target is not None and not path.endswith("/") and target.name == "index.html" and target.parent.name == Path(unquote(path)).name:
            return self.redirect(path + "/")
        if target is None:
            status = 404
            target = state.output / "404.html"
            data = target.read_bytes() if target.is_file() else NOT_FOUND_PAGE
        else:
            status = 200
            data = target.read_bytes()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind == "text/html":
            state.served[target] = state.generation
        self.send(status, data, kind)

    def head(self, *args):
        self.get(*args)

    def send(self, status: int, data: bytes, kind: str):
        if kind == "text/html":
            overlay = error_overlay(self.state.errors) if self.state.errors else b""
            data = data.replace(b"</body>", overlay + LIVERELOAD_SCRIPT + SOFT_RELOAD_SCRIPT + b"</body>", 1)
            kind += "; charset=utf-8"
        self.set_status(status)
        self.set_header("Content-Type", kind)
        self.set_header("Cache-Control", "no-store")
        self.finish(data)


class _NoPolling(Watcher):
    """livereload's own watcher, switched off: Briefing watches and reloads itself."""

    def start(self, callback):
        return True

    def examine(self):
        return None, None


class PreviewServer(Server):
    def __init__(self, state: PreviewState):
        watcher = _NoPolling()
        watcher.watch("briefing-preview")
        super().__init__(watcher=watcher)
        self.state = state

    def application(self, port, host, liveport=None, debug=None, live_css=True):
        """livereload's application with Briefing's routes: not livereload's /forcereload, with which any web page
        could reload every open preview (Briefing reloads pages itself), nor its script injection (send() does it)."""
        LiveReloadHandler.watcher = self.watcher
        LiveReloadHandler.live_css = live_css
        app = web.Application([
            (r"/livereload", PreviewSocket, {"state": self.state}),
            (r"/livereload.js", LiveReloadJSHandler),
            (r"/.*", PreviewHandler, {"state": self.state}),
        ])
        app.listen(port, address=host)

    def _setup_logging(self):
        logging.getLogger("livereload").setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(logging.WARNING)


class BackgroundIndex:
    """Keeps the search index up to date after each build without holding up the reload: Pagefind runs while
    the server goes on, and its index is put in place on the server's own thread, between rebuilds."""

    def __init__(self, output: Path, offline: bool, report: Callable[[search.Indexed | Problem | None], None]):
        self.output = output
        self.offline = offline
        self.report = report
        self.running: search.Run | None = None
        self.again = False  # company pages changed while it ran

    def after(self, result: BuildResult) -> None:
        if not result.ok:
            return
        if self.running is not None:
            self.again = self.again or search.pages_changed(result)
        elif search.wanted(self.output, result):
            self.begin()

    def begin(self) -> None:
        run = search.start(self.output, self.offline, background=True)
        if isinstance(run, Problem):
            return self.report(run)
        self.running = run
        loop = ioloop.IOLoop.current()
        threading.Thread(target=lambda: loop.add_callback(self.done, run, search.wait(run)), daemon=True).start()

    def done(self, run: search.Run, failure: str) -> None:
        self.running = None
        indexed = search.finish(run, failure)
        self.report(indexed)
        sys.stdout.flush()
        if isinstance(indexed, search.Indexed):
            LiveReloadHandler.reload_waiters(SEARCH_INDEX_CHANGED)  # an open search page holds the old index's file names
        if self.again:
            self.again = False
            self.begin()

    def stop(self) -> None:
        if self.running is not None:
            search.stop(self.running)


class Rebuilder:
    """Hears of changes from the watcher; once a burst of them settles, rebuilds once and reloads every page."""

    def __init__(self, builder: Builder, state: PreviewState, report: Callable[[BuildResult, Path], None], index: BackgroundIndex):
        self.builder = builder
        self.state = state
        self.report = report
        self.index = index
        self.changed: set[str] = set()
        self.changed_at: float | None = None

    def build(self, later: frozenset[str] = frozenset()) -> BuildResult:
        result = self.builder.build(later)
        # What a build keeps lives until the next one: frozen, the collector stops walking it (at 10,000 briefs,
        # a pause of over a second at the first collection after each full build).
        gc.freeze()
        self.state.generation += 1
        self.report(result, self.builder.options.output)
        if result.ok:
            self.state.base_path = result.base_path
        self.state.errors = tuple(p.format() for p in result.errors) or (
            () if result.ok else tuple(p.format() for p in result.warnings)
        )
        sys.stdout.flush()
        return result

    def heard(self, paths: set[str]) -> None:
        """Files changed: rebuild once nothing has changed for SETTLE_SECONDS."""
        self.changed.update(paths)
        self.changed_at = time.monotonic()
        ioloop.IOLoop.current().call_later(SETTLE_SECONDS, self.settle)

    def settle(self) -> None:
        # Each report schedules a settle; only one that finds no newer report rebuilds (0.9: timers fire a little early).
        if self.changed_at is not None and time.monotonic() - self.changed_at >= SETTLE_SECONDS * 0.9:
            self.rebuild()

    def rebuild(self) -> None:
        self.changed_at = None
        result = self.build(LATER)
        path = reload_path(self.changed, self.builder.options.templates)
        if path != SOFT_RELOAD:
            self.state.restyled = self.state.generation
        LiveReloadHandler.reload_waiters(path)
        self.changed = set()
        self.index.after(result)
        if result.left:
            ioloop.IOLoop.current().call_later(CATCH_UP_SECONDS, self.catch_up, self.state.generation)

    def catch_up(self, generation: int) -> None:
        """Render the pages the build of `generation` left for after the reload, unless a newer build ran or is
        about to (it leaves them too, and catches up after itself)."""
        if generation != self.state.generation or self.changed_at is not None:
            return
        result = self.build()
        LiveReloadHandler.reload_waiters(LATER_PAGES_CHANGED)
        self.index.after(result)


def reload_path(changed: set[str], templates: Path) -> str:
    """What to tell open pages: swap in the new body, reload one stylesheet, or reload the whole page."""
    template_root = str(templates.resolve())
    in_templates = [p for p in changed if str(Path(p).resolve()).startswith(template_root)]
    if not in_templates:
        return SOFT_RELOAD
    if len(changed) == 1 and in_templates[0].endswith(".css"):
        return in_templates[0]  # livereload.js swaps just that stylesheet
    return "*"


def serve(options: BuildOptions, host: str, port: int, report: Callable[[BuildResult, Path], None],
          report_index: Callable[[search.Indexed | Problem | None], None], progress: Progress | None = None) -> int:
    builder = Builder(options, progress)
    state = PreviewState(options.output, "/")
    index = BackgroundIndex(options.output, options.offline, report_index)
    rebuilder = Rebuilder(builder, state, report, index)
    watcher = SourceWatcher([options.content, options.templates], rebuilder.heard)  # an edit made from now on is seen
    result = rebuilder.build()
    if not result.ok:
        state.base_path = base_path_of(options)
    options.output.mkdir(parents=True, exist_ok=True)
    server = PreviewServer(state)
    loop = ioloop.IOLoop.current()
    loop.add_callback(index.after, result)
    # Printed once the loop runs, so the address answers by the time anyone reads it.
    loop.add_callback(lambda: print(f"Serving on http://{host}:{port}{state.base_path} (Ctrl-C to stop)", flush=True))
    try:
        server.serve(port=port, host=host, root=str(options.output), restart_delay=0)
    except KeyboardInterrupt:
        pass
    watcher.stop()
    index.stop()
    print("Stopped.", flush=True)
    return 0


def base_path_of(options: BuildOptions) -> str:
    """The base path to serve under when the site does not build: from the override or site.yml as far as it reads."""
    settings = load_settings(options.content, Problems(), options.base_url)
    return settings.base_path if settings else "/"
