"""AMI adapter around panoramisk 1.4 that handles its pitfalls.

- ``Manager.connect()`` returns once TCP is up; a refused login raises
  nothing. Here the login is awaited and checked, and a refused one raises
  :class:`AmiLoginError`.
- Originate always carries ``Async: true`` (panoramisk needs the key) and our
  own ``ChannelId``; its result is awaited with a bound. If the connection
  drops or no answer comes, :class:`OriginateOutcomeUnknown` is raised: the
  call may exist, and whether to dial again is the dialer's decision.
  panoramisk never re-sends an action after a reconnect here.
- panoramisk's ping checks nothing; a Ping whose reply does not come in time
  closes the connection, and the connection is re-established with backoff.
- Events are routed to the call whose ``ChannelId`` we set (Asterisk reports
  it as ``Uniqueid``, and related channels as ``Linkedid``).
- Every value sent is checked: no CR/LF (which would inject AMI headers) and
  no ``${`` (which the dialplan would expand).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from panoramisk import Manager
from panoramisk.actions import Action
from panoramisk.message import Message

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[\r\n]|\$\{")
_CHANNEL_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_DIALED_NUMBER = re.compile(r"^\+?[0-9]{3,15}$")

# OriginateResponse Reason codes (Asterisk's AST_CONTROL_* values) this adapter reads;
# what the others mean for an alert is decided in ivr.domain.call_outcome.
REASON_FAILURE = 0
REASON_ANSWERED = 4


class AmiError(Exception):
    """Base of the AMI adapter's errors."""


class AmiLoginError(AmiError):
    """Asterisk refused the AMI user or secret."""


class AmiNotConnected(AmiError):
    """No logged-in AMI connection right now."""


class AmiConnectionLost(AmiError):
    """The connection dropped while an action was waiting for its answer."""


class AmiActionFailed(AmiError):
    """Asterisk answered an action with an error."""


class OriginateOutcomeUnknown(AmiError):
    """The Originate was sent but its outcome never came: the call may exist."""


class UnsafeValue(AmiError, ValueError):
    """A value would inject AMI headers or dialplan expressions."""


def check_value(name: str, value: str) -> str:
    """Return ``value`` if it is safe to send in an AMI header."""
    if _UNSAFE.search(value):
        raise UnsafeValue(f"{name}: line breaks and '${{' are not allowed")
    return value


def trunk_channel(number: str, trunk: str = "carrier") -> str:
    """The dial string of ``number`` over the carrier trunk, e.g. ``PJSIP/4189621001@carrier``."""
    if not _DIALED_NUMBER.match(number):
        raise UnsafeValue(f"{number!r} is not a phone number (digits only)")
    return f"PJSIP/{number}@{trunk}"


@dataclass(frozen=True)
class OriginateRequest:
    """One call to place. ``channel_id`` is ours; events of the call carry it."""

    channel_id: str
    channel: str
    timeout_seconds: float
    context: str | None = None
    exten: str = "s"
    priority: int = 1
    application: str | None = None
    data: str = ""
    caller_id: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    other_channel_id: str | None = None

    def to_action(self) -> dict[str, Any]:
        """The Originate action's headers, every value checked."""
        for name, ident in (("channel_id", self.channel_id), ("other", self.other_channel_id)):
            if ident is not None and not _CHANNEL_ID.match(ident):
                raise UnsafeValue(f"{name}: {ident!r} must be 1-100 of A-Z a-z 0-9 . _ -")
        if (self.context is None) == (self.application is None):
            raise ValueError("give either a context or an application")
        action: dict[str, Any] = {
            "Action": "Originate",
            "Channel": check_value("channel", self.channel),
            "Timeout": str(int(self.timeout_seconds * 1000)),
            "Async": "true",
            "ChannelId": self.channel_id,
            "EarlyMedia": "false",
        }
        if self.context is not None:
            action["Context"] = check_value("context", self.context)
            action["Exten"] = check_value("exten", self.exten)
            action["Priority"] = str(int(self.priority))
        else:
            action["Application"] = check_value("application", self.application or "")
            action["Data"] = check_value("data", self.data)
        if self.caller_id is not None:
            action["CallerID"] = check_value("caller_id", self.caller_id)
        if self.other_channel_id is not None:
            action["OtherChannelId"] = self.other_channel_id
        variables = []
        for name, value in self.variables.items():
            if not _VARIABLE_NAME.match(name):
                raise UnsafeValue(f"variable name {name!r} is not allowed")
            variables.append(f"{name}={check_value(name, value)}")
        if variables:
            action["Variable"] = variables
        return action


@dataclass(frozen=True)
class OriginateResult:
    """Asterisk's OriginateResponse; ``reason`` is its Reason code (0 failure, 4 answered,
    others in ivr.domain.call_outcome)."""

    channel_id: str
    reason: int
    response: str
    channel: str

    @property
    def answered(self) -> bool:
        return self.reason == REASON_ANSWERED


class CallEvents:
    """The events of one call (its ChannelId), in order of arrival."""

    def __init__(self, channel_id: str) -> None:
        self.channel_id = channel_id
        self.events: list[Message] = []
        self._arrived = asyncio.Event()

    def add(self, event: Message) -> None:
        self.events.append(event)
        self._arrived.set()

    def find(self, name: str) -> Message | None:
        """The first event named ``name`` received so far."""
        return next((e for e in self.events if e.event == name), None)

    async def wait_for(self, name: str, within: float) -> Message:
        """The first event named ``name``; TimeoutError if none comes ``within`` s."""
        async with asyncio.timeout(within):
            while (event := self.find(name)) is None:
                self._arrived.clear()
                await self._arrived.wait()
        return event

    async def hangup(self, within: float) -> Message:
        """The call's Hangup event (``Cause``, ``Cause-txt``)."""
        return await self.wait_for("Hangup", within)


class _EveryAction:
    """Tells panoramisk that every action may be forgotten on disconnect."""

    def __contains__(self, item: object) -> bool:
        return True


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's Manager without its own reconnect and ping (AmiClient owns both)."""

    def __init__(self, on_lost: Callable[[_Manager], None], **config: Any) -> None:
        super().__init__(**config)
        self._on_lost = on_lost

    def connection_made(self, future: asyncio.Future[Any]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        super().connection_made(future)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connected = False
        pinger = getattr(self, "pinger", None)
        if pinger is not None:
            pinger.cancel()
        self._on_lost(self)

    def ping(self) -> None:
        """Replaced by AmiClient's liveness check."""


class AmiClient:
    """A logged-in AMI connection that survives drops, with per-call event routing."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        connect_timeout: float = 5.0,
        action_timeout: float = 10.0,
        ping_interval: float = 5.0,
        ping_timeout: float = 3.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        originate_margin: float = 30.0,
        caller_id: str | None = None,
        wait_for_asterisk: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self._username = check_value("username", username)
        self._secret = check_value("secret", secret)
        self.connect_timeout = connect_timeout
        self.action_timeout = action_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.originate_margin = originate_margin
        self.caller_id = None if caller_id is None else check_value("caller_id", caller_id)
        self.wait_for_asterisk = wait_for_asterisk
        self._manager: _Manager | None = None
        self._connected = asyncio.Event()
        self._lost = asyncio.Event()
        self._pending: set[asyncio.Future[Any]] = set()
        self._calls: dict[str, CallEvents] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._first_login: asyncio.Future[None] | None = None
        self.connections = 0

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self) -> None:
        """Connect and log in; keep reconnecting in the background afterwards.

        Raises AmiLoginError if the first login is refused, or the first
        connection error if Asterisk cannot be reached within connect_timeout; with
        ``wait_for_asterisk`` (an Asterisk started by someone else, perhaps after us),
        connection errors are retried with backoff until a login is answered.
        """
        if self._supervisor is not None:
            raise AmiError("already started")
        self._first_login = asyncio.get_running_loop().create_future()
        self._supervisor = asyncio.create_task(self._supervise(), name="ami-supervisor")
        started = False
        try:
            await self._first_login
            started = True
        finally:
            if not started:
                await self.close()

    async def close(self) -> None:
        """Stop reconnecting and close the connection."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        self._disconnect()

    async def __aenter__(self) -> AmiClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_connected(self, within: float) -> None:
        """Wait until a logged-in connection is up; TimeoutError after ``within`` s."""
        async with asyncio.timeout(within):
            await self._connected.wait()

    async def _supervise(self) -> None:
        delay = self.backoff_initial
        while True:
            try:
                await self._connect_once()
            except (OSError, TimeoutError, AmiError) as error:
                first = self._first_login
                waiting = self.wait_for_asterisk and not isinstance(error, AmiLoginError)
                if first is not None and not first.done() and not waiting:
                    first.set_exception(error)
                    return
                logger.warning("AMI %s:%s unreachable: %s", self.host, self.port, error)
            else:
                delay = self.backoff_initial
                if self._first_login is not None and not self._first_login.done():
                    self._first_login.set_result(None)
                await self._keep_alive()
                logger.warning("AMI connection lost; reconnecting")
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.backoff_max)

    async def _connect_once(self) -> None:
        self._disconnect()
        self._lost.clear()
        manager = _Manager(
            self._manager_lost,
            host=self.host,
            port=self.port,
            username=self._username,
            secret=self._secret,
            events="on",
            loop=asyncio.get_running_loop(),
            forgetable_actions=_EveryAction(),
            ping_delay=10**9,
            log=logger,
        )
        self._manager = manager
        manager.register_event("*", self._route_event)
        async with asyncio.timeout(self.connect_timeout):
            await manager.connect()
            login = manager.authenticated_future
            if login is None:
                raise AmiError("panoramisk sent no login")
            reply = await asyncio.shield(login)
        if not reply.success:
            self._disconnect()
            raise AmiLoginError(f"AMI login refused for user {self._username!r}")
        self.connections += 1
        self._connected.set()
        logger.info("AMI logged in at %s:%s", self.host, self.port)

    async def _keep_alive(self) -> None:
        """Ping regularly; return when the connection is lost or stops answering."""
        while True:
            try:
                async with asyncio.timeout(self.ping_interval):
                    await self._lost.wait()
                    return
            except TimeoutError:
                pass
            try:
                await self.action({"Action": "Ping"}, within=self.ping_timeout)
            except (AmiError, TimeoutError) as error:
                logger.warning("AMI ping failed (%s); closing the connection", error)
                self._disconnect()
                return

    def _manager_lost(self, manager: _Manager) -> None:
        if manager is self._manager:
            self._handle_lost()

    def _handle_lost(self) -> None:
        self._connected.clear()
        self._lost.set()
        for future in self._pending:
            if not future.done():
                future.set_exception(AmiConnectionLost("AMI connection lost"))

    def _disconnect(self) -> None:
        manager, self._manager = self._manager, None
        if manager is not None:
            manager.callbacks.clear()
            manager.patterns.clear()
            protocol = manager.protocol
            manager.close()
            if protocol is not None:
                protocol.transport.abort()
        self._handle_lost()

    async def action(self, headers: Mapping[str, Any], within: float | None = None) -> Any:
        """Send one action and wait (bounded) for its answer.

        Returns panoramisk's Message, or a list of them for actions that
        answer with several. Raises AmiActionFailed on an error answer.
        """
        manager = self._manager
        if manager is None or not self.connected:
            raise AmiNotConnected("AMI is not connected")
        for name, value in headers.items():
            values = value if isinstance(value, list) else [value]
            for item in values:
                check_value(name, str(item))
        action = Action(dict(headers))
        future = manager.send_action(action)
        self._pending.add(future)
        try:
            async with asyncio.timeout(self.action_timeout if within is None else within):
                reply = await asyncio.shield(future)
        finally:
            self._pending.discard(future)
            if not future.done() and manager.protocol is not None:
                manager.protocol.responses.pop(action.id, None)
        first = reply[0] if isinstance(reply, list) else reply
        if first.response not in ("Success", "Follows", "Goodbye"):
            raise AmiActionFailed(f"{headers.get('Action')}: {first.message or first.response}")
        return reply

    async def ping(self) -> None:
        """One Ping round trip (raises if no reply in ping_timeout)."""
        await self.action({"Action": "Ping"}, within=self.ping_timeout)

    async def live_channel_ids(self, prefix: str = "") -> set[str]:
        """Uniqueids of the channels Asterisk has now, those starting with ``prefix``.

        Uses ``Status``, which needs only the ``call`` read privilege
        (``CoreShowChannels`` would need ``reporting``).
        """
        reply = await self.action({"Action": "Status"})
        messages = reply if isinstance(reply, list) else [reply]
        return {
            str(m.get("Uniqueid"))
            for m in messages
            if m.get("Event") == "Status" and str(m.get("Uniqueid", "")).startswith(prefix)
        }

    @contextlib.asynccontextmanager
    async def watch(self, channel_id: str) -> AsyncIterator[CallEvents]:
        """Collect the events of the call with ``channel_id`` while the block runs."""
        if channel_id in self._calls:
            raise AmiError(f"{channel_id} is already watched")
        call = CallEvents(channel_id)
        self._calls[channel_id] = call
        try:
            yield call
        finally:
            del self._calls[channel_id]

    def _route_event(self, _manager: Any, event: Message) -> None:
        for key in ("Uniqueid", "Linkedid", "DestUniqueid"):
            call = self._calls.get(event.get(key, ""))
            if call is not None:
                call.add(event)
                return

    async def originate(self, request: OriginateRequest) -> OriginateResult:
        """Place a call and wait (bounded) for Asterisk's OriginateResponse.

        The call shows ``request.caller_id``, or else this client's caller_id.

        Never re-sent: if the outcome does not come (connection lost or no
        answer within timeout_seconds + originate_margin), raises
        OriginateOutcomeUnknown; the call's events may still arrive.
        """
        headers = request.to_action()
        if "CallerID" not in headers and self.caller_id is not None:
            # Without it the carrier would see "Anonymous": the trunk's own
            # callerid applies only to calls coming from the carrier.
            headers["CallerID"] = self.caller_id
        try:
            reply = await self.action(
                headers, within=request.timeout_seconds + self.originate_margin
            )
        except (AmiConnectionLost, TimeoutError) as error:
            raise OriginateOutcomeUnknown(
                f"originate {request.channel_id}: no outcome ({error or 'timeout'})"
            ) from error
        if not isinstance(reply, list) or len(reply) < 2:
            raise AmiActionFailed(f"originate {request.channel_id}: unexpected answer {reply!r}")
        response = reply[-1]
        try:
            reason = int(response.get("Reason", ""))
        except ValueError:
            reason = REASON_FAILURE
        return OriginateResult(
            channel_id=request.channel_id,
            reason=reason,
            response=str(response.get("Response", "")),
            channel=str(response.get("Channel", "")),
        )
