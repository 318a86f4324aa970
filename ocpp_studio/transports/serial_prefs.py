"""What the user chose for each serial adapter, remembered between sessions.

An installer plugs the same USB-UART into many chargers, and its device name
changes with the USB socket (/dev/ttyUSB0 today, /dev/ttyUSB1 tomorrow; COM3 or
COM7). So a USB adapter is remembered by vendor id, product id and serial
number; any other port by its device path. The file is small JSON in the user
config dir, written atomically; an unreadable file gives the defaults.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ..core.versions import OcppVersion
from .console_patterns import LinePattern
from .serial_port import LineSettings, PortInfo, SerialSettings, list_ports

log = logging.getLogger(__name__)

MODES = ("observe", "answer")
FILE_NAME = "serial-ports.json"


@dataclass(kw_only=True)
class SerialChoice(LineSettings):
    """What the user chose for one adapter: its line settings, and what to do with it."""

    #: "observe": extract frames from console lines; "answer": the charger speaks
    #: OCPP-J over the port and the studio answers as the CSMS.
    mode: str = "observe"
    #: A preset of console_patterns ("bare", "arrows") or a user regex.
    pattern: str = "arrows"
    charger_id: str = ""  # "" = use the device name
    ocpp_version: str = "1.6"  # for answer mode: "1.6" or "2.0.1"

    def settings(self, device: str) -> SerialSettings:
        return SerialSettings(device, **self.line_settings())

    def validate(self) -> None:
        """ValueError in plain words when the choice cannot be used."""
        if self.mode not in MODES:
            raise ValueError(f"mode must be 'observe' or 'answer', not {self.mode!r}")
        if self.mode == "observe":
            LinePattern.named(self.pattern)
        else:
            OcppVersion.parse(self.ocpp_version)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SerialChoice":
        """Known fields of the right type; anything else keeps its default."""
        choice = cls()
        for f in fields(cls):
            value = data.get(f.name)
            if _fits(value, str(f.type)):
                setattr(choice, f.name, value)
        return choice


def _fits(value: Any, type_name: str) -> bool:
    """Whether a value read from the file has the field's type (bool is not a number)."""
    if isinstance(value, bool) or type_name == "bool":
        return isinstance(value, bool) and type_name == "bool"
    if type_name == "float":
        return isinstance(value, (int, float))
    return type_name in ("int", "str") and isinstance(value, {"int": int, "str": str}[type_name])


def adapter_key(port: PortInfo) -> str:
    """"usb:VID:PID:SERIAL" for a USB adapter (the serial number may be empty),
    else the device path."""
    if port.vid_pid:
        return f"usb:{port.vid_pid}:{port.serial_number}"
    return port.device


def _port_info(port: PortInfo | str) -> PortInfo:
    """A device name is looked up among the present ports, to find its adapter."""
    if isinstance(port, PortInfo):
        return port
    try:
        for info in list_ports():
            if info.device == port:
                return info
    except Exception as exc:  # noqa: BLE001 - listing ports must not stop anything
        log.warning("cannot list serial ports: %s", exc)
    return PortInfo(port, "", "")


class SerialPreferences:
    """SerialChoice per adapter, in a JSON file."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            from ..settings import user_config_dir
            path = user_config_dir() / FILE_NAME
        self.path = Path(path)

    def choice_for(self, port: PortInfo | str) -> SerialChoice:
        """The remembered choice for this adapter (else for its device path), or defaults."""
        info = _port_info(port)
        saved = self._read()
        for key in (adapter_key(info), info.device):
            entry = saved.get(key)
            if isinstance(entry, dict):
                return SerialChoice.from_dict(entry)
        return SerialChoice()

    def remember(self, port: PortInfo | str, choice: SerialChoice) -> None:
        """Keep the choice for this adapter (atomic write: temp file + os.replace)."""
        saved = self._read()
        saved[adapter_key(_port_info(port))] = asdict(choice)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".serial-ports-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(saved, out, indent=2, sort_keys=True)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable serial port settings %s: %s", self.path, exc)
            return {}
        if not isinstance(data, dict):
            log.warning("ignoring serial port settings %s: not a JSON object", self.path)
            return {}
        return data
