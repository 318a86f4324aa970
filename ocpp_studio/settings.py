"""Settings as a plain Python model with typed defaults.

The GUI keeps them in a JSON file in the user config directory; the CLI builds
them from its arguments. Nothing here knows about Qt.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TextIO

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "ocpp-studio"
DEFAULT_PORT = 9000


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def studio_ca_dir() -> Path:
    """The studio's local certificate authority (security profiles 2 and 3): its private
    key lives here, so the folder is made owner-only (``private_dir``) when the CA is used."""
    return user_config_dir() / "ca"


def default_capture_path() -> Path:
    return user_data_dir() / "capture.db"


# ------------------------------------------------------------ private files
# The capture, its WAL, exports, snapshots, commissioning state and the log can hold
# charger passwords: only their owner may read them (POSIX modes; on Windows the
# per-user profile folders already keep other users out and chmod is a no-op).

def private_dir(path: str | Path, *, ours: bool = False) -> Path:
    """Create ``path`` (and missing parents) owner-only (0700). A folder that already
    existed keeps its mode unless ``ours`` (the studio's own data or log folder): the
    user's Documents must not change because a capture was saved there."""
    folder = Path(path)
    existed = folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if ours or not existed:
        _chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    return folder


def private_file(path: str | Path) -> Path:
    """Make ``path`` owner-only (0600), creating it empty if missing. A file that cannot be
    opened for writing is left for its real user (SQLite) to report."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        log.debug("cannot create %s owner-only: %s", path, exc)
        return Path(path)
    _chmod(Path(path), 0o600)  # O_CREAT's mode does not apply to an existing file
    return Path(path)


def open_private(path: str | Path) -> TextIO:
    """A text file (truncated) only its owner can read, for writing."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    _chmod(Path(path), 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")


def is_in_user_data_dir(path: str | Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(user_data_dir().resolve())
    except OSError:
        return False


def _chmod(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except OSError as exc:  # a file system without modes (FAT USB stick): still usable
        log.debug("cannot chmod %s: %s", path, exc)


@dataclass
class CsmsSettings:
    """How the local central system behaves towards chargers."""

    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    #: Record schema violations but still process the message (field chargers
    #: are often slightly non-compliant and installers must still work with them).
    tolerant: bool = False
    #: Accept a charger that offers no OCPP subprotocol and talk 1.6 to it.
    accept_missing_subprotocol: bool = False
    #: Per-charger HTTP Basic passwords; empty = no authentication asked.
    passwords: dict[str, str] = field(default_factory=dict)
    #: BootNotification answer.
    boot_status: str = "Accepted"
    heartbeat_interval: int = 300
    #: Authorize / StartTransaction policy: accept every id tag, or only these.
    accept_all_id_tags: bool = True
    accepted_id_tags: list[str] = field(default_factory=list)
    #: Seconds to wait for a charger to answer a CALL we send.
    call_timeout: float = 30.0
    #: OCPP-J says one CALL at a time (1.6 §4.1.1); raise for chargers that cope.
    max_calls_in_flight: int = 1
    #: Largest websocket message accepted (bytes); bigger ones close the connection.
    max_message_bytes: int = 1 << 20
    #: Largest OCPP frame read (bytes): a bigger one is recorded whole but not parsed, and a
    #: CALL is answered with a GenericError CALLERROR (core/oversize.py). Only matters
    #: below max_message_bytes, which closes the connection instead.
    max_frame_bytes: int = 1 << 20
    #: Also listen on wss:// (security profiles 2 and 3) on this port; None = ws:// only.
    wss_port: int | None = None
    #: The server certificate chain and key (PEM); "" = issued by the studio's own CA.
    tls_cert_file: str = ""
    tls_key_file: str = ""
    #: Profile 3 client certificates: "required", "optional" or "off".
    client_certificates: str = "off"
    #: A CA file client certificates may also chain to (beside the studio's CA).
    client_ca_file: str = ""
    #: The studio CA's folder; "" = studio_ca_dir() in the user config folder.
    ca_dir: str = ""
    #: Charger CSRs (SignCertificate) that pass every check: "auto" signed at once, "ask"
    #: wait for the user's approval, "never" answered Rejected.
    sign_csrs: str = "auto"
    #: The organisation (O) charger CSRs must carry (1.6 CpoName / 2.0.1
    #: SecurityCtrlr.OrganizationName); "" = any O is taken.
    organisation: str = ""
    #: Warn this many days before a charger's certificate (or one it holds) expires.
    certificate_warning_days: int = 30
    #: Log uploads from chargers (issue 16 §2): bigger ones are cut off and removed.
    transfer_max_upload_bytes: int = 50 * 1024 * 1024
    #: How long a log upload or firmware download may take before the studio gives up (s).
    transfer_timeout_s: float = 600.0
    #: FTP passive-mode data ports, "50000-50010" (to open in a firewall); "" = any free port.
    transfer_ftp_data_ports: str = ""


@dataclass
class AppSettings:
    csms: CsmsSettings = field(default_factory=CsmsSettings)
    capture_path: str = ""  # "" = default_capture_path()
    api_port: int = 0  # 0 = control API off
    show_utc: bool = False

    def resolved_capture_path(self) -> Path:
        return Path(self.capture_path) if self.capture_path else default_capture_path()

    # ------------------------------------------------------------ persistence
    @classmethod
    def load(cls, path: Path | None = None) -> "AppSettings":
        path = path or user_config_dir() / "settings.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable settings file %s: %s", path, exc)
            return cls()
        return cls.from_dict(data)

    def save(self, path: Path | None = None) -> None:
        path = path or user_config_dir() / "settings.json"
        private_dir(path.parent)
        with open_private(path) as out:  # 0600: it holds the chargers' Basic-auth passwords
            out.write(json.dumps(asdict(self), indent=2))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AppSettings":
        csms_names = {f.name for f in fields(CsmsSettings)}
        csms = CsmsSettings(**{k: v for k, v in data.get("csms", {}).items() if k in csms_names})
        app_names = {f.name for f in fields(cls)} - {"csms"}
        return cls(csms=csms, **{k: v for k, v in data.items() if k in app_names})
