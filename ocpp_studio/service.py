"""The studio's running parts put together: capture store, central system,
websocket server, optional control API, demo chargers, and the sources the GUI
starts and stops (a serial port, the logging proxy). Used by the CLI's
``serve`` and by the GUI, so both behave the same."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import tempfile
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .capture.store import CaptureStore
from .commissioning.service import CommissioningService
from .configuration.service import ConfigurationService
from .core.versions import OcppVersion
from .core.wss import WssListener
from .metering import MeteringService, OneSecondMode
from .security.passwords import match_password
from .settings import AppSettings, CsmsSettings, studio_ca_dir
from .smartcharging.service import SmartChargingService
from .station.central import CentralSystem
from .station.observed import ObservedStations
from .transports.addresses import charger_urls
from .transports.websocket_server import CsmsServer

if TYPE_CHECKING:
    from .api.server import ControlApi
    from .demo import DemoCharger, DemoChargerConfig
    from .security.server import WssEndpoint
    from .security.tls import TlsFailure
    from .transports.proxy import LoggingProxy
    from .transports.serial_port import SerialConsole, SerialCsms, SerialObserver
    from .transports.serial_prefs import SerialChoice

log = logging.getLogger(__name__)


def demo_configs() -> list[DemoChargerConfig]:
    """The two demo chargers of ``--demo``: a 7.4 kW 1.6 one and an 11 kW 2.0.1 one,
    both charging from the start and reporting power every second."""
    from .demo import DemoChargerConfig
    common: dict[str, Any] = dict(vendor="OCPP Studio", firmware="demo-1.0", auto_charge=True,
                                  meter_interval=1)
    return [
        DemoChargerConfig(charger_id="DEMO-16", version=OcppVersion.V16, connectors=1, phases=1,
                          max_current_a=32.0, voltage_v=230.0, model="Demo Wallbox 7.4 kW",
                          serial="DEMO16-0001", **common),
        DemoChargerConfig(charger_id="DEMO-201", version=OcppVersion.V201, connectors=1,
                          phases=3, max_current_a=16.0, voltage_v=230.0,
                          model="Demo Wallbox 11 kW", serial="DEMO201-0001", **common),
    ]


class Studio:
    """Start and stop everything that runs behind the window or ``serve``.

    Creating it opens the capture database (and may raise if it cannot);
    ``start`` listens for chargers (and raises OSError if the port is taken,
    so the caller can offer another one with ``start(port=...)``).
    """

    def __init__(self, settings: AppSettings, store: CaptureStore | None = None) -> None:
        self.settings = settings
        self.capture_path = settings.resolved_capture_path()
        self.store = store or CaptureStore(self.capture_path)
        self.central = CentralSystem(self.store, settings.csms)
        #: CSRs are signed by the studio CA, built on first use (issue 15 §2)
        self.central.certificates.set_signer(self._studio_ca)
        self.central.certificates.server_root = self._server_root
        #: Meter data of every live frame -> series (the power plot reads these).
        self._state_dir: Path | None = None
        #: received logs and uploaded firmware live beside the capture (issue 16 §3)
        self.central.transfers.folder = self.beside_capture("files")
        self.metering = MeteringService()
        self.metering.attach(self.store)
        self.one_second = OneSecondMode(self.central, self.beside_capture("one-second-restore.json"))
        #: Read/write charger settings; every read is kept as a snapshot beside the capture.
        self.configuration = ConfigurationService(self.central, self._snapshot_dir())
        #: Off-peak hours, override, randomised delay (smartcharging/service.py).
        self.smart_charging = SmartChargingService(
            self.central, self.configuration, self.beside_capture("smart-charging.json"))
        #: Guided commissioning runs (commissioning/), Qt-free.
        self.commissioning = CommissioningService(self)
        self.server: CsmsServer | None = None
        #: the wss:// side (TLS context, profile 3 check), built once by ``prepare_wss``
        self.wss_endpoint: WssEndpoint | None = None
        self.api: ControlApi | None = None
        self.api_token_file: Path | None = None
        #: where a charger password the studio changed (and the charger accepted) is saved
        #: for the next start: ``serve`` sets the user's settings file; None = memory only
        #: (the window saves its own, ui/security/security_panel.py)
        self.passwords_file: Path | None = None
        self.demo_chargers: list[tuple[DemoCharger, asyncio.Task[None]]] = []
        #: Chargers seen through the proxy or a serial console (the charger list shows them).
        self.observed = ObservedStations()
        #: The running serial source's console (the GUI listens to its lines and status).
        self.serial_console: SerialConsole | None = None
        self._serial: SerialObserver | SerialCsms | None = None
        #: The running logging proxy, recording into ``store``.
        self.proxy: LoggingProxy | None = None

    def _snapshot_dir(self) -> Path | None:
        if str(self.capture_path) == ":memory:":
            return None
        return Path(f"{self.capture_path}.snapshots")

    def beside_capture(self, name: str) -> Path:
        """Where the studio keeps what it must remember about chargers (values to
        restore, profiles it installed): beside the capture, so a capture given
        with --capture (or a test's) carries its own state; a capture kept in
        memory gets a private temporary folder."""
        if str(self.capture_path) == ":memory:":
            if self._state_dir is None:
                self._state_dir = Path(tempfile.mkdtemp(prefix="ocpp-studio-state-"))
            return self._state_dir / name
        return Path(f"{self.capture_path}.{name}")

    async def start(self, port: int | None = None) -> None:
        csms = self.settings.csms if port is None else dataclasses.replace(self.settings.csms, port=port)
        server = self._new_server(csms)
        await server.start()
        self.server = server
        if self.settings.api_port and self.api is None:
            await self.start_api(self.settings.api_port)

    async def apply_csms_settings(self, tolerant: bool, accept_missing_subprotocol: bool,
                                  passwords: dict[str, str], port: int | None = None) -> bool:
        """Take new central-system settings while running (Edit › Preferences).

        Tolerant mode, accepting chargers without a subprotocol and the passwords apply
        to the next connection. A different ``port`` restarts the listener: connected
        chargers are disconnected. If the new port cannot be listened on, the old
        listener is started again and the OSError raised. Returns True if the listener
        was restarted.
        """
        # the server reads these at each handshake and the central system at each session
        # start, so changing them in place applies to the next connection
        # the server may hold a copy (started on another port than the settings say)
        targets = [self.settings.csms]
        if self.server is not None and self.server.settings is not self.settings.csms:
            targets.append(self.server.settings)
        # One passwords dict for all of them: a password the guided upgrade changes later
        # (central.settings.passwords, A01.FR.03/04) must be the one the listener checks.
        shared, given = self.settings.csms.passwords, dict(passwords)  # given may be shared
        shared.clear()
        shared.update(given)
        for target in targets:
            target.tolerant = tolerant
            target.accept_missing_subprotocol = accept_missing_subprotocol
            target.passwords = shared
        log.info("central system settings changed: tolerant=%s, accept no subprotocol=%s, "
                 "%d charger password(s)", tolerant, accept_missing_subprotocol, len(passwords))
        if port is None or self.server is None or port == self.server.settings.port:
            if port is not None:
                self.settings.csms.port = port
            return False
        await self._restart_listener(port)
        return True

    async def _restart_listener(self, port: int) -> None:
        old = self.server
        assert old is not None
        listened_on = old.port  # not old.settings.port: that may be 0 (any free port)
        await old.stop()
        self.server = None
        try:
            await self.start_listener(dataclasses.replace(old.settings, port=port))
        except OSError:
            # back where the chargers were pointed
            await self.start_listener(old.settings if old.settings.port == listened_on
                                      else dataclasses.replace(old.settings, port=listened_on))
            raise
        self.settings.csms.port = port

    async def apply_tls_settings(self, changes: dict[str, Any]) -> None:
        """New wss:// settings (Preferences: ``wss_port``, ``tls_cert_file``/``tls_key_file``,
        ``client_certificates``, ``client_ca_file``): the endpoint is rebuilt, then the
        listener restarted on its port (connected chargers are disconnected). A certificate,
        key or CA file that cannot be used raises (``CaError``/``OSError``/``ValueError``)
        before anything stops; a wss port that cannot be listened on puts the old settings
        and listener back and raises the OSError."""
        csms = self.settings.csms
        old = {name: getattr(csms, name) for name in changes}
        endpoint = (build_wss_endpoint(dataclasses.replace(csms, **changes))
                    if changes.get("wss_port", csms.wss_port) is not None else None)
        if endpoint is not None:
            endpoint.handshake_failed.connect(self._record_tls_failure)
        old_endpoint, server = self.wss_endpoint, self.server
        # the running server may hold its own copy of the settings (another port)
        targets = [csms] + ([server.settings] if server and server.settings is not csms else [])
        _set_fields(targets, changes)
        self.wss_endpoint = endpoint
        if server is None:
            return
        # the same settings object again (not a copy): the central system and the server
        # must keep sharing the passwords a security upgrade writes
        server.settings.port = server.port
        await server.stop()
        self.server = None
        try:
            await self.start_listener(server.settings)
        except OSError:
            _set_fields(targets, old)
            self.wss_endpoint = old_endpoint
            await self.start_listener(server.settings)
            raise

    async def start_listener(self, csms: CsmsSettings) -> None:
        """Listen for chargers with ``csms`` (settings.csms itself, or a copy on another port)."""
        server = self._new_server(csms)
        await server.start()
        self.server = server

    def urls(self) -> list[str]:
        return self.server.urls() if self.server else []

    # ------------------------------------------------------------------ wss://
    def prepare_wss(self, csms: CsmsSettings | None = None) -> WssEndpoint | None:
        """The wss:// endpoint when ``csms.wss_port`` is set (None otherwise): the studio CA
        is created or loaded and its server certificates (re-)issued here, once. Raises
        ``CaError`` / ``OSError`` / ``ValueError`` saying what is wrong with a certificate,
        key or CA file (``serve`` calls it first to say so before listening)."""
        csms = csms or self.settings.csms
        if csms.wss_port is None:
            return None
        if self.wss_endpoint is None:
            self.wss_endpoint = build_wss_endpoint(csms)
            self.wss_endpoint.handshake_failed.connect(self._record_tls_failure)
            self._offer_https(csms)
        return self.wss_endpoint

    def _offer_https(self, csms: CsmsSettings) -> None:
        """File transfers may use HTTPS with the wss:// server certificate (issue 16 §2)."""
        from .security.ca import CaError, StudioCA, server_names
        try:
            files = ([(Path(csms.tls_cert_file), Path(csms.tls_key_file))] if csms.tls_cert_file
                     else [(c.cert_file, c.key_file) for c in StudioCA(
                         csms.ca_dir or studio_ca_dir()).server_certificates(server_names())])
            self.central.transfers.use_tls(files)
        except (CaError, OSError, ValueError) as exc:
            log.warning("file transfers cannot offer HTTPS: %s", exc)

    def _new_server(self, csms: CsmsSettings) -> CsmsServer:
        endpoint = self.prepare_wss(csms)
        wss = (WssListener(csms.wss_port, endpoint.context, endpoint.check)
               if endpoint is not None and csms.wss_port is not None else None)
        # 1.6 AuthorizationKey: hex text or its bytes, both accepted (A00.FR.205)
        return CsmsServer(self.central, csms, wss=wss, password_matcher=match_password)

    def _record_tls_failure(self, failure: TlsFailure) -> None:
        if self.server is not None:
            self.server.record_tls_failure(failure)
        else:
            log.info("TLS handshake refused while no listener runs: %s", failure.reason)

    def _studio_ca(self) -> Any:
        from .security.ca import DEFAULT_ORGANISATION, StudioCA
        csms = self.settings.csms
        return StudioCA(csms.ca_dir or studio_ca_dir(),
                        organisation=csms.organisation or DEFAULT_ORGANISATION)

    def _server_root(self) -> Any:
        """The root the wss:// server certificate chains to (None without wss://): the last
        certificate of ``--cert``, else the studio CA (expiry/trust warnings, issue 15)."""
        if self.wss_endpoint is None:
            return None
        csms = self.settings.csms
        if csms.tls_cert_file:
            from .security.ca import load_pem_certificates
            return load_pem_certificates(Path(csms.tls_cert_file).read_bytes())[-1]
        return self.central.certificates.signer.certificate

    def loopback_url(self) -> str:
        assert self.server is not None
        host = self.server.settings.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        return f"ws://{host}:{self.server.port}/ocpp"

    async def start_api(self, port: int) -> ControlApi:
        # imported when started: aiohttp and the routes are ~0.3 s of the window's start
        from .api.server import ControlApi, token_file_for, write_token  # noqa: PLC0415
        self.api = ControlApi(self.central, self.store, port, one_second=self.one_second,
                              metering=self.metering, configuration=self.configuration,
                              smart_charging=self.smart_charging,
                              commissioning=self.commissioning)
        await self.api.start()
        if str(self.capture_path) != ":memory:":
            self.api_token_file = token_file_for(self.capture_path)
            write_token(self.api_token_file, self.api.token)
        return self.api

    def start_demo_chargers(self) -> None:
        from .demo import DemoCharger
        url = self.loopback_url()
        for config in demo_configs():
            charger = DemoCharger(url, config)
            task = asyncio.create_task(charger.run(), name=f"demo {config.charger_id}")
            task.add_done_callback(_log_demo_end)
            self.demo_chargers.append((charger, task))

    async def stop_demo_chargers(self) -> None:
        chargers, self.demo_chargers = self.demo_chargers, []
        for charger, task in chargers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(charger.stop(), 5)
            if not task.done():
                task.cancel()
            with contextlib.suppress(BaseException):
                await task

    # ------------------------------------------------------------ serial port
    async def start_serial(self, device: str, choice: SerialChoice) -> SerialConsole:
        """Open a serial port: "observe" records the frames found in console lines
        into the capture; "answer" makes the charger on the line a charger of the
        central system, answered like any other.

        One serial source at a time: RuntimeError when one is running. ValueError
        for an unusable choice (e.g. a pattern without a ``frame`` group),
        SerialOpenError when the port exists but cannot be opened. A port that is
        not there yet is waited for (console status "waiting").
        """
        from .transports.console_patterns import LinePattern
        from .transports.serial_port import SerialConsole, SerialCsms, SerialObserver
        if self._serial is not None:
            raise RuntimeError(f"{self._serial.console.settings.device} is open: close it first")
        choice.validate()
        console = SerialConsole(choice.settings(device))
        charger = choice.charger_id.strip() or None
        source: SerialObserver | SerialCsms
        if choice.mode == "answer":
            source = SerialCsms(console, self.central, OcppVersion.parse(choice.ocpp_version), charger)
        else:
            source = SerialObserver(console, self.store, LinePattern.named(choice.pattern), charger,
                                    stations=self.observed)
        self._serial = source  # taken before the first await: a second start is refused
        try:
            await source.start()
        except BaseException:
            self._serial = None
            raise
        self.serial_console = console
        return console

    async def stop_serial(self) -> None:
        """Close the serial source, if one is running."""
        source, self._serial = self._serial, None
        self.serial_console = None
        if source is not None:
            await source.stop()

    # ------------------------------------------------------------ logging proxy
    async def start_proxy(self, listen_port: int, upstream: str, ca_file: str | None = None,
                          host: str = "0.0.0.0", cert_file: str | None = None,
                          key_file: str | None = None) -> LoggingProxy:
        """Relay chargers to their real CSMS at ``upstream``, recording into the capture.

        Listens on wss:// with ``cert_file``/``key_file``; ``ca_file`` is trusted
        for the upstream's certificate. Raises OSError when the port is taken (or a
        certificate file cannot be read), ValueError for an upstream that is not
        ws:// or wss:// or a certificate without its key, RuntimeError when the
        proxy is already running.
        """
        from .transports.proxy import LoggingProxy, check_upstream_url, server_ssl_context
        if self.proxy is not None:
            raise RuntimeError(f"the proxy is already running on port {self.proxy.port}")
        check_upstream_url(upstream)
        if bool(cert_file) != bool(key_file):
            raise ValueError("give both the certificate and its key to listen on wss://")
        listen_ssl = server_ssl_context(cert_file, key_file) if cert_file and key_file else None
        proxy = LoggingProxy(self.store, upstream, host=host, port=listen_port,
                             ssl_context=listen_ssl, upstream_ca_file=ca_file or None,
                             stations=self.observed)
        await proxy.start()
        self.proxy = proxy
        return proxy

    async def stop_proxy(self) -> None:
        """Stop listening; chargers connected through the proxy are disconnected."""
        proxy, self.proxy = self.proxy, None
        if proxy is not None:
            await proxy.stop()

    def proxy_urls(self) -> list[str]:
        """What to type into the charger as its central-system URL to go through the
        proxy. The charger appends ``/<its id>``, and the proxy appends that path to
        the upstream URL, so these carry no path of their own."""
        if self.proxy is None:
            return []
        scheme = self.proxy.scheme
        return [f"{scheme}://{url.split('://', 1)[1]}"
                for url in charger_urls(self.proxy.host, self.proxy.port, path="")]

    async def stop(self) -> None:
        """Stop in order: demo chargers, serial port, proxy, API, server, then close
        the capture."""
        await self.stop_demo_chargers()
        await self.central.transfers.close()  # their file servers (issue 16)
        for stop_source in (self.stop_serial, self.stop_proxy):
            try:
                await asyncio.wait_for(stop_source(), 10)
            except Exception as exc:  # noqa: BLE001 - the capture must still be closed
                log.warning("%s did not finish cleanly: %s", stop_source.__name__, exc)
        if self.api is not None:
            await self.api.stop()
            self.api = None
        if self.server is not None:
            try:
                await asyncio.wait_for(self.server.stop(), 5)
            except (TimeoutError, OSError) as exc:
                log.warning("server did not stop cleanly: %s", exc)
            self.server = None
        self.metering.detach()
        self.store.close()


def build_wss_endpoint(csms: CsmsSettings) -> WssEndpoint:
    """The wss:// endpoint ``csms`` describes: the server certificate from the studio CA
    (host names and LAN addresses as names) or the user's ``--cert/--key``; profile 3 client
    certificates chain to the studio CA and/or ``client_ca_file`` (with the user's own server
    certificate and a ``client_ca_file``, to that file only: a production PKI)."""
    from .security.ca import CaError, StudioCA, server_names
    from .security.server import WssEndpoint
    folder = csms.ca_dir or studio_ca_dir()
    client_ca = csms.client_ca_file or None
    if csms.tls_cert_file or csms.tls_key_file:
        if not (csms.tls_cert_file and csms.tls_key_file):
            raise CaError("the server certificate needs both --cert and --key")
        ca = (StudioCA(folder) if csms.client_certificates != "off" and client_ca is None
              else None)
        return WssEndpoint.from_files(csms.tls_cert_file, csms.tls_key_file,
                                      client_certificates=csms.client_certificates, ca=ca,
                                      client_ca_file=client_ca)
    return WssEndpoint.from_studio_ca(StudioCA(folder), names=server_names(),
                                      client_certificates=csms.client_certificates,
                                      client_ca_file=client_ca)


def _set_fields(targets: list[CsmsSettings], values: dict[str, Any]) -> None:
    for target in targets:
        for name, value in values.items():
            setattr(target, name, value)


def _log_demo_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("demo charger %s stopped: %s", task.get_name(), task.exception())
