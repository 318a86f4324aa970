"""Size of the Linux one-folder bundle and its time from start to a window on screen.

    python benchmarks/bundle.py                  # measures dist/ocpp-studio as built
    python benchmarks/bundle.py --build          # packaging/build_linux.sh --no-test first
    python benchmarks/bundle.py --json FILE      # also write the figures as JSON
    python benchmarks/bundle.py --no-bundle      # only the window started from source
    python benchmarks/bundle.py --no-bundle --also-source /tmp/wt_before   # and from another
                                                 # checkout, alternating (before/after)
    python benchmarks/bundle.py --also-bundle OLD/dist/ocpp-studio   # an older build too

Size: what ``du -sk`` counts (disk blocks, as ``du -sh`` shows) and the files' own bytes,
with the largest files listed. Start to window: the bundle is started (in a clean
environment, like the build script's self-test: no venv, no checkout on the path) on a
private Xvfb display with ``--port 0`` and a temporary capture; the time runs from
starting the process until X reports the main window ("OCPP Studio") mapped and viewable
(``xev`` watching the root window reports each MapNotify as it happens; ``xwininfo`` then
checks the title. Polling ``xwininfo`` every 10 ms instead took a good part of one of
the machine's two cores away from the app it timed). Each run is a cold-ish start (the files are in the
page cache after the first); the median of ``--runs`` is the figure. The same is measured
for the window started from source (``python -m ocpp_studio.cli``) for comparison.

Bar (issue 17): under 150 MB, start to window under 1 s.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _figures import Figures, add_json_argument  # benchmarks/ is sys.path[0] when run

ROOT = Path(__file__).resolve().parent.parent
BAR_MB, BAR_WINDOW_S = 150.0, 1.0
TITLE = "OCPP Studio"


def sizes(folder: Path) -> tuple[float, float, list[tuple[int, str]]]:
    """(du -sk in MiB, the files' bytes in MiB, [(bytes, path)] of the 10 largest)."""
    blocks = int(subprocess.run(["du", "-sk", str(folder)], check=True, capture_output=True,
                                text=True).stdout.split()[0])
    files = [(p.stat().st_size, str(p.relative_to(folder))) for p in folder.rglob("*")
             if p.is_file() and not p.is_symlink()]
    return blocks / 1024, sum(s for s, _ in files) / 2**20, sorted(files)[-10:][::-1]


class Display:
    """A private Xvfb server (its number chosen by Xvfb itself) and an ``xev`` watching its
    root window: ``maps`` receives (perf_counter time, window id) of each top-level window
    mapped."""

    def __enter__(self) -> "Display":
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1440x900x24", "-nolisten",
             "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"
        self.maps: queue.Queue[tuple[float, str]] = queue.Queue()
        self.watcher = subprocess.Popen(["xev", "-root", "-event", "substructure"],
                                        env={**os.environ, "DISPLAY": self.name},
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        self._wait_until_watching()
        return self

    def _read(self) -> None:
        mapped = False
        for line in self.watcher.stdout:  # type: ignore[union-attr]
            if line.startswith("MapNotify event"):
                mapped = True
            elif mapped:
                match = re.search(r"\bwindow (0x[0-9a-f]+)", line)
                if match:
                    self.maps.put((time.perf_counter(), match.group(1)))
                mapped = False

    def _wait_until_watching(self) -> None:
        """Map probe windows until the watcher reports one: from then on no map is missed."""
        for _ in range(20):
            probe = subprocess.Popen(["xev", "-name", "bundle-benchmark-probe"],
                                     env={**os.environ, "DISPLAY": self.name},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                self.maps.get(timeout=1)
                break
            except queue.Empty:
                continue  # mapped before the watcher listened: another probe
            finally:
                probe.terminate()
                probe.wait(timeout=10)
        else:
            raise RuntimeError("xev does not report windows mapped on the display")
        time.sleep(0.2)
        self.drain()

    def drain(self) -> None:
        while True:
            try:
                self.maps.get_nowait()
            except queue.Empty:
                return

    def __exit__(self, *exc: object) -> None:
        self.watcher.terminate()
        self.watcher.wait(timeout=10)
        self.process.terminate()
        self.process.wait(timeout=10)


def is_main_window(display: str, window: str) -> bool:
    info = subprocess.run(["xwininfo", "-id", window], capture_output=True, text=True,
                          env={**os.environ, "DISPLAY": display}).stdout
    return f'"{TITLE}' in info and "IsViewable" in info


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process has used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_to_window(command: list[str], display: Display, env: dict[str, str],
                   timeout: float = 60.0) -> tuple[float, float]:
    """(seconds from starting ``command`` to its main window being viewable on ``display``,
    CPU seconds the process used until then: on a busy machine the wall time includes
    waiting for a core, the CPU time does not)."""
    with tempfile.TemporaryDirectory(prefix="ocpp-bundle-") as tmp:
        # the start a user gets (log file, crash handler, saved view preferences), in a
        # private HOME: no OCPP_STUDIO_QUIT_AFTER, which would skip those; ended by SIGTERM
        run_env = {**env, "DISPLAY": display.name, "HOME": tmp, "QT_QPA_PLATFORM": "xcb",
                   "OCPP_STUDIO_LOG_DIR": str(Path(tmp) / "log"),
                   "XDG_CONFIG_HOME": str(Path(tmp) / "c"),
                   "XDG_DATA_HOME": str(Path(tmp) / "d"), "XDG_STATE_HOME": str(Path(tmp) / "s")}
        display.drain()
        started = time.perf_counter()
        process = subprocess.Popen(command + ["--port", "0", "--capture",
                                              str(Path(tmp) / "capture.db")],
                                   env=run_env, cwd=tmp, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        try:
            while time.perf_counter() - started < timeout:
                try:
                    mapped_at, window = display.maps.get(timeout=0.1)
                except queue.Empty:
                    if process.poll() is not None:
                        raise RuntimeError(f"{command[0]} ended before a window: "
                                           f"{process.stderr.read()[-1500:]}")  # type: ignore
                    continue
                cpu = cpu_s(process.pid)  # the window is up: what the process used so far
                if is_main_window(display.name, window):
                    return mapped_at - started, cpu
            raise RuntimeError(f"no window within {timeout:g} s")
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist" / "ocpp-studio",
                        help="the one-folder bundle (default dist/ocpp-studio)")
    parser.add_argument("--build", action="store_true",
                        help="build it first (packaging/build_linux.sh --no-test)")
    parser.add_argument("--runs", type=int, default=3, help="starts to time (default 3)")
    parser.add_argument("--no-source", action="store_true",
                        help="do not time the window started from source")
    parser.add_argument("--no-bundle", action="store_true",
                        help="only time the window started from source (no bundle needed)")
    parser.add_argument("--also-bundle", type=Path, action="append", default=[],
                        metavar="DIST", help="also time this one-folder bundle (e.g. an older "
                        "build), alternating with the others; repeatable")
    parser.add_argument("--also-source", type=Path, action="append", default=[],
                        metavar="CHECKOUT", help="also time the window started from this "
                        "checkout (e.g. a git worktree of an older commit), alternating with "
                        "the others in the same run; repeatable")
    add_json_argument(parser)
    args = parser.parse_args()
    figures = Figures("bundle")
    if args.build:
        subprocess.run([str(ROOT / "packaging" / "build_linux.sh"), "--no-test"], check=True,
                       cwd=ROOT)
    executable = args.dist / "ocpp-studio"
    if args.no_bundle:
        du_mb = float("nan")
    elif not executable.exists():
        print(f"no bundle at {args.dist}: build it (packaging/build_linux.sh, or --build)")
        return 2
    else:
        du_mb, bytes_mb, largest = sizes(args.dist)
        print(f"{args.dist}: {du_mb:.1f} MiB on disk (du -sk), {bytes_mb:.1f} MiB of files")
        for size, path in largest:
            print(f"  {size / 2**20:6.1f} MiB  {path}")
        figures.add("bundle_size_mb", du_mb)
        figures.add("bundle_file_bytes_mb", bytes_mb)

    clean = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # as build_linux.sh's self-test
    source = [sys.executable, "-m", "ocpp_studio.cli"]
    times: dict[str, list[tuple[float, float]]] = {"bundle": [], "source": []}
    # figure keys: also_source_1_..., also_bundle_1_... in the order given
    checkouts = {f"also_source_{n} ({path})": path.resolve()
                 for n, path in enumerate(args.also_source, 1)}
    bundles = {f"also_bundle_{n} ({path})": (path / "ocpp-studio").resolve()
               for n, path in enumerate(args.also_bundle, 1)}
    times.update({name: [] for name in [*checkouts, *bundles]})
    with Display() as display:  # one display and watcher for every run
        for _ in range(max(1, args.runs)):
            if not args.no_bundle:
                times["bundle"].append(time_to_window([str(executable.resolve())], display,
                                                      clean))
            if not args.no_source:
                times["source"].append(time_to_window(
                    source, display, {**clean, "PYTHONPATH": str(ROOT)}))
            for name, path in checkouts.items():
                times[name].append(time_to_window(source, display,
                                                  {**clean, "PYTHONPATH": str(path)}))
            for name, path in bundles.items():
                times[name].append(time_to_window([str(path)], display, clean))
    for name, runs in times.items():
        if runs:
            values, cpu = [w for w, _ in runs], [c for _, c in runs]
            median = statistics.median(values)
            print(f"start to window, {name}: median {median:.2f} s of "
                  f"{', '.join(f'{v:.2f}' for v in values)}; CPU used until then: median "
                  f"{statistics.median(cpu):.2f} s")
            key = {"bundle": "bundle", "source": "bundle_from_source"}.get(
                name, f"bundle_{name.split()[0]}")
            figures.add(f"{key}_start_to_window_s", median)
            figures.add(f"{key}_start_to_window_max_s", max(values))
            figures.add(f"{key}_cpu_to_window_s", statistics.median(cpu))
    if args.no_bundle:
        figures.write(args.json)
        return 0
    window_s = statistics.median(w for w, _ in times["bundle"])
    passed = du_mb < BAR_MB and window_s < BAR_WINDOW_S
    print(f"bar (< {BAR_MB:g} MB, window < {BAR_WINDOW_S:g} s): {'PASS' if passed else 'FAIL'}")
    figures.add("bar_pass", passed)
    figures.write(args.json)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
