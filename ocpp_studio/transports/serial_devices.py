"""Serial ports of this computer and how to open them (pyserial): the device list,
the line settings (speed, framing, flow control), and what to tell the installer
when a port cannot be opened. The console that reads them is ``serial_port``."""

from __future__ import annotations

import errno
import sys
from dataclasses import dataclass, fields
from typing import Any

import serial
import serial.tools.list_ports


def waiting_message(device: str) -> str:
    return f"Waiting for {device} — is the adapter plugged in?"


def missing_message(device: str, ports: list["PortInfo"]) -> str:
    """A device that never appeared: most often a mistyped name. Say which ports exist."""
    if ports:
        found = "; ".join(p.label for p in ports)
        return (f"No serial device {device} exists on this computer (still waiting for it). "
                f"Ports here: {found}")
    return (f"No serial device {device} exists on this computer (still waiting for it), and "
            "no serial ports were found: is the adapter plugged in and its driver installed?")


# ------------------------------------------------------------------ ports
@dataclass(frozen=True)
class PortInfo:
    device: str
    description: str
    vid_pid: str  # "0403:6001", "" when not a USB device
    serial_number: str = ""  # the USB adapter's serial number, when it has one
    manufacturer: str = ""

    @property
    def label(self) -> str:
        """"/dev/ttyUSB0 — FT232R USB UART (0403:6001)", for a port chooser."""
        text = self.device
        if self.description and self.description not in ("n/a", self.device):
            text += f" — {self.description}"
        return text + (f" ({self.vid_pid})" if self.vid_pid else "")


def list_ports() -> list[PortInfo]:
    """The serial ports of this computer, sorted by device name."""
    ports = []
    for port in serial.tools.list_ports.comports():
        vid_pid = f"{port.vid:04X}:{port.pid:04X}" if port.vid is not None and port.pid is not None else ""
        ports.append(PortInfo(port.device, port.description or "", vid_pid,
                              port.serial_number or "", port.manufacturer or ""))
    return sorted(ports, key=lambda p: p.device)


class SerialOpenError(OSError):
    """The port exists but cannot be opened, or the device name is not usable;
    the message says why in plain words."""


def _errno_of(exc: BaseException) -> int | None:
    code = getattr(exc, "errno", None)
    if isinstance(code, int):
        return code
    cause = exc.__cause__ or exc.__context__
    return _errno_of(cause) if cause is not None and cause is not exc else None


def open_problem(device: str, exc: BaseException) -> SerialOpenError | None:
    """None when the device is simply not there (yet); else a SerialOpenError saying
    why it cannot be opened. pyserial gives an errno on Linux and macOS and only
    a message (with the Windows error's name) on Windows."""
    code, text = _errno_of(exc), str(exc)
    if isinstance(exc, ValueError):
        return SerialOpenError(f"{device!r} cannot be used: {exc}. Give a port such as "
                               "/dev/ttyUSB0 or COM3, or a pyserial URL such as loop://")
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or "FileNotFoundError" in text \
            or "No such file" in text or "cannot find the file" in text:
        return None
    if code == errno.EBUSY or "busy" in text.lower() or "exclusively lock" in text \
            or (sys.platform == "win32" and ("PermissionError" in text or "Access is denied" in text)):
        return SerialOpenError(f"{device} is in use by another program (a terminal, the "
                               "charger maker's tool…): close it and try again")
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        hint = (" On Linux your user must be in the 'dialout' group (sudo usermod -aG dialout "
                "$USER, then log out and in again)." if sys.platform.startswith("linux") else "")
        return SerialOpenError(f"You may not open {device}: permission denied.{hint}")
    return SerialOpenError(f"Cannot open {device}: {exc}")


@dataclass(kw_only=True)
class LineSettings:
    """How the bits go down the wire: speed, framing, flow control (the charger's manual
    gives them; 115200 8N1 without flow control is the usual debug console)."""

    baud: int = 115200
    bytesize: int = 8
    parity: str = "N"  # N, E, O, M, S
    stopbits: float = 1
    xonxoff: bool = False
    rtscts: bool = False

    def line_settings(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(LineSettings)}


@dataclass
class SerialSettings(LineSettings):
    """A port (a device path or a pyserial URL) and its line settings."""

    device: str

    def open(self, timeout: float = 0.1) -> Any:
        """Open the port (a device path or a pyserial URL such as loop://)."""
        return serial.serial_for_url(
            self.device, baudrate=self.baud, bytesize=self.bytesize, parity=self.parity,
            stopbits=self.stopbits, xonxoff=self.xonxoff, rtscts=self.rtscts, timeout=timeout)
