"""The FTP side of a transfer: an aioftp server with one one-time user and two real commands.

Only what a charger's FTP client sends is served: USER/PASS, PWD, CWD/CDUP, TYPE, PASV/EPSV,
STOR (uploads) or RETR/SIZE (downloads), NOOP, SYST, QUIT. Listing, deleting, renaming and
making folders answer 502: the charger has no business there. aioftp's own path mapping
quietly clamps ``../`` to the root; here a path that leaves the transfer's folder is refused
outright (550) and noted, and files never go through aioftp's path layer: uploads are written
by ``transfer.Upload`` into the caller's folder, downloads read the one served file.

The charger is told ``ftp://user:password@host:port/<token>/``; a file stored in the login
folder (``/``) is accepted too, because some chargers drop the path of the location and the
one-time login already proves it is the right charger.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import PurePosixPath
from typing import Any

import aioftp
from aioftp.server import ConnectionConditions, worker

from .transfer import Transfer, TransferBusy, UploadEnded, UploadTooLarge, safe_file_name

log = logging.getLogger(__name__)

#: how long a client that got its final reply may take to say QUIT before we close
CLOSE_GRACE_S = 2.0


class _OneTimeUser(aioftp.AbstractUserManager):
    """One login, valid until the transfer ends (aioftp's MemoryUserManager never forgets)."""

    def __init__(self, transfer: Transfer) -> None:
        super().__init__()
        self._transfer = transfer
        base = transfer.folder or (transfer.file.parent if transfer.file else ".")
        self._user = aioftp.User(transfer.user, transfer.password, base_path=base,
                                 permissions=[aioftp.Permission("/", readable=True, writable=False)])

    async def get_user(self, login: str) -> tuple[Any, aioftp.User | None, str]:
        if self._transfer.state.finished:
            self._transfer._note(f"a login as {login!r} after the transfer had ended was refused")
            return self.GetUserResponse.ERROR, None, "these credentials are spent"
        if login != self._transfer.user:
            self._transfer._note(f"the charger tried to log in as {login!r}, not the user it was given")
            return self.GetUserResponse.ERROR, None, "no such user"
        return self.GetUserResponse.PASSWORD_REQUIRED, self._user, "password required"

    async def authenticate(self, user: aioftp.User, password: str) -> bool:
        ok = self._transfer.credentials_ok(user.login or "", password)
        if ok:
            self._transfer.logged_in = True
        else:
            self._transfer._note("the charger's FTP password was wrong")
        return ok


class TransferFtpServer(aioftp.Server):
    """An FTP server for one transfer; ``start`` then let the transfer stop it."""

    def __init__(self, transfer: Transfer, data_ports: list[int] | None = None) -> None:
        super().__init__(_OneTimeUser(transfer), data_ports=data_ports,
                         idle_timeout=max(transfer.timeout, 30.0), wait_future_timeout=10)
        self.transfer = transfer
        self._folders = {PurePosixPath("/"), PurePosixPath("/") / transfer.token}
        self._open = 0
        self._idle = asyncio.Event()
        self._idle.set()
        allowed = {"user": self.user, "pass": self.pass_, "quit": self.quit, "pwd": self.pwd,
                   "cwd": self.cwd, "cdup": self.cdup, "type": self.type, "pasv": self.pasv,
                   "epsv": self.epsv, "syst": self.syst, "abor": self.abor, "pbsz": self.pbsz,
                   "prot": self.prot, "noop": self.noop}
        if transfer.direction == "upload":
            allowed["stor"] = self.stor
        else:
            allowed.update(retr=self.retr, size=self.size)
        self.commands_mapping = allowed  # type: ignore[assignment]

    async def stop(self) -> None:
        """Stop listening; give a connected client a moment to read its last reply and QUIT."""
        self.server.close()
        try:
            await asyncio.wait_for(self._idle.wait(), CLOSE_GRACE_S)
        except TimeoutError:
            pass
        await self.close()

    async def dispatcher(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("?",)
        self.transfer._connection(str(peer[0]))
        self._open += 1
        self._idle.clear()
        try:
            await super().dispatcher(reader, writer)
        finally:
            self._open -= 1
            if self._open == 0:
                self._idle.set()

    # -- paths ----------------------------------------------------------------------

    def _resolve(self, connection: Any, rest: str | PurePosixPath) -> PurePosixPath | None:
        """The virtual path ``rest`` names, or None when it climbs above the root."""
        text = str(rest)
        if "\\" in text or "\x00" in text:
            return None
        path = PurePosixPath(text)
        if not path.is_absolute():
            path = connection.current_directory / path
        resolved: list[str] = []
        for part in path.parts[1:]:
            if part == "..":
                if not resolved:
                    return None
                resolved.pop()
            elif part != ".":
                resolved.append(part)
        return PurePosixPath("/", *resolved)

    def _file(self, connection: Any, rest: str | PurePosixPath) -> str | None:
        """The file name STOR/RETR/SIZE may use, or None (refused and noted)."""
        raw = PurePosixPath(str(rest))
        path = self._resolve(connection, rest)
        name = safe_file_name(path.name, "") if path is not None else None
        if ".." in raw.parts or path is None or path.parent not in self._folders or not name:
            self.transfer._note(f"the charger asked for {str(rest)!r}, outside its folder: refused")
            return None
        return name

    async def cwd(self, connection: Any, rest: str | PurePosixPath) -> bool:  # type: ignore[override]
        if not connection.future.logged.done():
            connection.response("503", "bad sequence of commands (not logged in)")
            return True
        path = self._resolve(connection, rest)
        if path is None or path not in self._folders:
            self.transfer._note(f"the charger tried to change to folder {str(rest)!r}: refused")
            connection.response("550", "no such folder")
            return True
        connection.current_directory = path
        connection.response("250", "")
        return True

    async def noop(self, connection: Any, rest: str) -> bool:
        connection.response("200", "")
        return True

    # -- uploads (charger -> studio) -------------------------------------------------

    @ConnectionConditions(ConnectionConditions.login_required,
                          ConnectionConditions.passive_server_started)
    async def stor(self, connection: Any, rest: str | PurePosixPath, mode: str = "wb") -> bool:
        name = self._file(connection, rest)
        if name is None:
            connection.response("550", "path refused")
            return True
        transfer = self.transfer

        @ConnectionConditions(ConnectionConditions.data_connection_made, wait=True,
                              fail_code="425", fail_info="Can't open data connection")
        @worker
        async def stor_worker(server: "TransferFtpServer", connection: Any, rest: Any) -> bool:
            stream = connection.data_connection
            del connection.data_connection
            try:
                upload = transfer._begin_upload(name)
            except (TransferBusy, OSError) as exc:
                stream.close()
                connection.response("450", f"not now: {exc}")
                return True
            try:
                async with stream:
                    async for data in stream.iter_by_block(connection.block_size):
                        upload.write(data)
            except UploadTooLarge:
                connection.response("552", "the file is bigger than allowed; upload cut off")
                return True
            except UploadEnded:
                connection.response("426", "the transfer has ended; upload cut off")
                return True
            except asyncio.CancelledError:
                upload.discard(f"an FTP upload of {name!r} was aborted after {upload.bytes:,} bytes")
                raise
            except (OSError, asyncio.IncompleteReadError) as exc:
                upload.discard(f"an FTP upload of {name!r} broke off after {upload.bytes:,} bytes ({exc})")
                connection.response("426", "connection closed; transfer aborted")
                return True
            # FTP stream mode: the client closing the data connection marks the end of the file
            upload.commit()
            connection.response("226", "data transfer done")
            return True

        task = asyncio.create_task(stor_worker(self, connection, rest))
        connection.extra_workers.add(task)
        connection.response("150", "data transfer started")
        return True

    # -- downloads (studio -> charger) ----------------------------------------------

    def _is_served(self, connection: Any, rest: str | PurePosixPath) -> bool:
        name = self._file(connection, rest)
        served = self.transfer.file
        return name is not None and served is not None and name == served.name

    @ConnectionConditions(ConnectionConditions.login_required)
    async def size(self, connection: Any, rest: str | PurePosixPath) -> bool:
        if self._is_served(connection, rest):
            assert self.transfer.file is not None
            connection.response("213", str(self.transfer.file.stat().st_size))
        else:
            connection.response("550", "no such file")
        return True

    @ConnectionConditions(ConnectionConditions.login_required,
                          ConnectionConditions.passive_server_started)
    async def retr(self, connection: Any, rest: str | PurePosixPath) -> bool:
        if not self._is_served(connection, rest):
            connection.response("550", "no such file")
            return True
        transfer = self.transfer
        assert transfer.file is not None
        served = transfer.file

        @ConnectionConditions(ConnectionConditions.data_connection_made, wait=True,
                              fail_code="425", fail_info="Can't open data connection")
        @worker
        async def retr_worker(server: "TransferFtpServer", connection: Any, rest: Any) -> bool:
            stream = connection.data_connection
            del connection.data_connection
            transfer._begin_send()
            try:
                with served.open("rb") as source:
                    async with stream:
                        if connection.restart_offset:
                            source.seek(connection.restart_offset)
                        while chunk := source.read(connection.block_size):
                            await stream.write(chunk)
                            transfer._sent(len(chunk))
            except OSError as exc:
                transfer._interrupted(f"an FTP download broke off after {transfer.bytes:,} bytes ({exc})")
                connection.response("426", "connection closed; transfer aborted")
                return True
            connection.response("226", "data transfer done")
            transfer._done(served)
            return True

        task = asyncio.create_task(retr_worker(self, connection, rest))
        connection.extra_workers.add(task)
        connection.response("150", "data transfer started")
        return True
