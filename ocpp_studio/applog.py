"""The application log: a rotating file in the per-user log directory, which the Help menu
opens. Qt-free, so the CLI's long-running commands log to the same place as the window."""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import sys
from pathlib import Path

import platformdirs

from . import __version__
from .core.secrets import hide_credentials_in_library_logs
from .settings import APP_NAME, private_dir, private_file

LOG_FILE_NAME = "ocpp-studio.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


#: put the log somewhere else (the test suite does, so tests never write to the user's log)
LOG_DIR_ENV = "OCPP_STUDIO_LOG_DIR"


def user_log_dir() -> Path:
    """``~/.local/state/ocpp-studio/log``, ``~/Library/Logs/ocpp-studio``,
    ``%LOCALAPPDATA%\\ocpp-studio\\Logs``; or ``$OCPP_STUDIO_LOG_DIR``."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file_path() -> Path:
    return user_log_dir() / LOG_FILE_NAME


def _file_handler(root: logging.Logger) -> logging.handlers.RotatingFileHandler | None:
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) \
                and getattr(handler, "ocpp_studio", False):
            return handler
    return None


def setup_file_logging(path: Path | None = None, level: int = logging.INFO) -> Path | None:
    """Log ``level`` and above to a rotating file (1 MB x 3 backups); returns its path, or
    None when the file cannot be written (the app still runs). Idempotent. Handlers that were
    already there (the CLI's console) keep showing what they showed before."""
    path = path or log_file_path()
    root = logging.getLogger()
    existing = _file_handler(root)
    if existing is not None:
        if Path(existing.baseFilename) == path.resolve():
            return path
        root.removeHandler(existing)
        existing.close()
    hide_credentials_in_library_logs()
    try:
        private_dir(path.parent, ours=not os.environ.get(LOG_DIR_ENV))
        handler = _PrivateRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=False)
    except OSError as exc:
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, exc)
        return None
    handler.ocpp_studio = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(level)
    _keep_console_level(root, level)
    root.addHandler(handler)
    logging.getLogger(__name__).info(
        "OCPP Studio %s, Python %s, %s%s", __version__, platform.python_version(),
        platform.platform(), " (packaged)" if getattr(sys, "frozen", False) else "")
    return path


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log file and each one rotation starts are owner-only (0600): a log can name
    chargers, addresses and (from libraries) what they were sent."""

    def _open(self):  # type: ignore[no-untyped-def]
        private_file(self.baseFilename)
        return super()._open()


hide_credentials_in_library_logs()  # whoever imports the app's logging set-up is covered


#: what _keep_console_level changed, so remove_file_logging can put it back
_changed: list[tuple[logging.Logger | logging.Handler, int]] = []


def _keep_console_level(root: logging.Logger, level: int) -> None:
    """Lower the root level to ``level`` without making the console chattier."""
    previous = root.getEffectiveLevel()
    if previous <= level:
        return
    for handler in root.handlers:
        if handler.level == logging.NOTSET:
            _changed.append((handler, handler.level))
            handler.setLevel(previous)
    _changed.append((root, root.level))
    root.setLevel(level)


def remove_file_logging() -> None:
    """Detach and close the log file and restore the levels (the end of run_gui, tests)."""
    root = logging.getLogger()
    handler = _file_handler(root)
    if handler is not None:
        root.removeHandler(handler)
        handler.close()
    while _changed:
        item, level = _changed.pop()
        item.setLevel(level)
