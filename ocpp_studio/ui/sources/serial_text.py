"""The words and choices of the Serial console tab, without Qt: the line settings offered,
how a port is named, and why a port or a pattern cannot be used, in plain words."""

from __future__ import annotations

from datetime import datetime

from ...transports.console_patterns import LinePattern
from ...transports.serial_port import PortInfo

#: Lines kept in the console pane (the whole console is kept for "Save console…").
MAX_DISPLAY_LINES = 5000
FLUSH_INTERVAL_MS = 100
BAUD_RATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
DATA_BITS = (5, 6, 7, 8)
PARITIES = (("None", "N"), ("Even", "E"), ("Odd", "O"), ("Mark", "M"), ("Space", "S"))
STOP_BITS = (("1", 1), ("1.5", 1.5), ("2", 2))
FLOW_CONTROLS = (("None", "none"), ("RTS/CTS (hardware)", "rtscts"),
                 ("XON/XOFF (software)", "xonxoff"))
PATTERNS = (("Bare OCPP message on a line", "bare"),
            ("Time and direction marker (send/recv, tx/rx, >> <<, ->)", "arrows"),
            ("My own pattern…", "custom"))
LINE_ENDINGS = (("\\n (LF)", "\n"), ("\\r\\n (CR LF)", "\r\n"), ("none", ""))
VERSIONS = (("OCPP 1.6", "1.6"), ("OCPP 2.0.1", "2.0.1"))
CUSTOM_HINT = r"e.g. ^.*OCPP (?P<direction>tx|rx): (?P<frame>\[.*\])$"


def port_label(port: PortInfo) -> str:
    """'/dev/ttyUSB0 — FT232R USB UART (0403:6001)' (PortInfo.label when it has one)."""
    label = getattr(port, "label", None)
    if label:
        return str(label)
    text = port.device
    if port.description and port.description not in ("n/a", port.device):
        text += f" — {port.description}"
    if port.vid_pid:
        text += f" ({port.vid_pid})"
    return text


def clock_text(ts_us: int) -> str:
    """HH:MM:SS.mmm, local time."""
    stamp = datetime.fromtimestamp(ts_us / 1_000_000)
    return stamp.strftime("%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


def pattern_error(spec: str) -> str | None:
    """None when spec is a usable pattern, else what is wrong with it, in words."""
    if not spec.strip():
        return "Type a pattern with a group named frame, " + CUSTOM_HINT
    try:
        LinePattern.named(spec)
    except ValueError as exc:
        return f"This pattern cannot be used: {exc}"
    return None


def describe_open_failure(device: str, exc: BaseException) -> str:
    """Why a port did not open, in words (SerialOpenError already says it plainly)."""
    if type(exc).__name__ == "SerialOpenError":
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"There is no port called {device}. Check the name, or press Refresh."
    if isinstance(exc, PermissionError):
        return (f"{device} exists but this user may not open it. On Linux, add yourself to "
                "the dialout group and log in again.")
    if isinstance(exc, ValueError):
        return f"These settings cannot be used: {exc}"
    return f"Cannot open {device}: {exc}"
