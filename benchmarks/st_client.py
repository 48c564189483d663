"""A minimal Streamlit client: one browser session spoken over the app's websocket, no browser.

It does what the page's JavaScript does on a control change: send a BackMsg(rerun_script=
ClientState(widget_states=...)) on /_stcore/stream and read ForwardMsgs until `script_finished`.
Used by the classroom load test, which drives tens of these from one asyncio process, and by
the serving tests. With `cookies={}` a session keeps its own cookie jar like a browser tab: it
loads the page first (a load balancer's sticky cookie is set there) and sends the cookies with the
websocket upgrade and with uploads.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

# Element types that hold a widget the client can set, and the WidgetState field each one uses.
WIDGET_TYPES = ("text_input", "text_area", "number_input", "slider", "selectbox", "checkbox")


@dataclass
class Widget:
    kind: str  # the Element oneof name, e.g. "text_input"
    label: str
    id: str
    proto: object  # the element's own message (NumberInput, Slider, ...)


@dataclass
class RunResult:
    """What one rerun sent back."""

    seconds: float  # from sending the BackMsg to receiving script_finished
    status: int  # ForwardMsg.ScriptFinishedStatus
    widgets: dict[str, Widget] = field(default_factory=dict)  # by label
    element_counts: dict[str, int] = field(default_factory=dict)  # element type -> count
    exceptions: list[str] = field(default_factory=list)  # st.exception / uncaught tracebacks
    pages: dict[str, str] = field(default_factory=dict)  # url_pathname -> page_script_hash
    texts: list[str] = field(default_factory=list)  # markdown, text, alert and exception bodies

    @property
    def ok(self) -> bool:
        return self.status == ForwardMsg.FINISHED_SUCCESSFULLY and not self.exceptions


def widget_state(widget: Widget, value) -> WidgetState:
    """The WidgetState the page would send for `value` (same field choice as the frontend)."""
    state = WidgetState(id=widget.id)
    if widget.kind in ("text_input", "text_area"):
        state.string_value = str(value)
    elif widget.kind == "number_input":
        if widget.proto.data_type == widget.proto.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    elif widget.kind == "slider":
        values = value if isinstance(value, list | tuple) else [value]
        state.double_array_value.data.extend(float(v) for v in values)
    elif widget.kind == "selectbox":
        state.int_value = int(value)  # option index
    elif widget.kind == "checkbox":
        state.bool_value = bool(value)
    else:
        raise ValueError(f"cannot set a {widget.kind} widget")
    return state


class StreamlitSession:
    """One websocket session. Use `async with StreamlitSession(url) as session:`."""

    def __init__(
        self, base_url: str, timeout: float = 60.0, cookies: dict[str, str] | None = None
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.cookies = cookies  # None: no cookie handling (straight to one server)
        self.socket = None
        self.page_script_hash = ""
        self.page_name = ""
        self.session_id = ""  # the server's AppSession id (uploads are addressed to it)
        self.received = 0  # ForwardMsgs read so far (a test can act while a run is under way)

    async def __aenter__(self) -> StreamlitSession:
        ws_url = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        headers = {}
        if self.cookies is not None:
            # What a tab does first: load the page (a balancer pins the tab with a cookie here)
            # and the health check that sets Streamlit's XSRF cookie.
            for path in ("/", "/_stcore/health"):
                await asyncio.to_thread(self.http, "GET", path)
            headers["Cookie"] = self.cookie_header()
        self.socket = await websockets.connect(
            ws_url,
            subprotocols=["streamlit"],
            origin=self.base_url,
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,  # a busy server must not be mistaken for a dead one
            additional_headers=headers or None,
        )
        if self.cookies is not None and self.socket.response is not None:
            self._keep_cookies(self.socket.response.headers.get_all("Set-Cookie"))
        return self

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in (self.cookies or {}).items())

    def _keep_cookies(self, set_cookies) -> None:
        for header in set_cookies or ():
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value

    def http(self, method: str, path: str, body: bytes | None = None, headers=None):
        """One HTTP request with this session's cookies; returns (status, body bytes)."""
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=dict(headers or {})
        )
        if self.cookies:
            request.add_header("Cookie", self.cookie_header())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                if self.cookies is not None:
                    self._keep_cookies(reply.headers.get_all("Set-Cookie"))
                return reply.status, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def upload(self, data: bytes, filename: str = "model.pt") -> int:
        """PUT one file to /_stcore/upload_file/<session>/<file id> as the file uploader widget
        does (multipart, XSRF header from the cookie); returns the HTTP status."""
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        xsrf = (self.cookies or {}).get("_streamlit_xsrf")
        if xsrf:
            headers["X-Xsrftoken"] = xsrf
        path = f"/_stcore/upload_file/{self.session_id}/{uuid.uuid4().hex}"
        return self.http("PUT", path, body, headers)[0]

    async def __aexit__(self, *exc) -> None:
        await self.socket.close()

    def go_to(self, url_pathname: str, page_script_hash: str) -> None:
        """Later reruns run this page (what clicking its navigation link does)."""
        self.page_name = url_pathname
        self.page_script_hash = page_script_hash

    async def rerun(
        self, widget_states: list[WidgetState] = (), query_string: str = ""
    ) -> RunResult:
        state = ClientState(
            query_string=query_string,
            widget_states=WidgetStates(widgets=list(widget_states)),
            page_script_hash=self.page_script_hash,
            page_name=self.page_name,
        )
        started = time.perf_counter()
        await self.socket.send(BackMsg(rerun_script=state).SerializeToString())
        result = RunResult(seconds=0.0, status=-1)
        while True:
            message = ForwardMsg()
            message.ParseFromString(await _recv(self.socket, self.timeout))
            self.received += 1
            kind = message.WhichOneof("type")
            if kind == "delta":
                _read_delta(message.delta, result)
            elif kind == "new_session":
                self.session_id = message.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                pages = message.navigation.app_pages
                result.pages = {page.url_pathname: page.page_script_hash for page in pages}
            elif kind == "script_finished":
                result.status = message.script_finished
                if result.status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    result.seconds = time.perf_counter() - started
                    return result


async def _recv(socket, timeout: float) -> bytes:
    return await asyncio.wait_for(socket.recv(), timeout)


def _read_delta(delta, result: RunResult) -> None:
    if delta.WhichOneof("type") != "new_element":
        return
    element = delta.new_element
    kind = element.WhichOneof("type")
    result.element_counts[kind] = result.element_counts.get(kind, 0) + 1
    if kind == "exception":
        error = element.exception
        result.exceptions.append(f"{error.type}: {error.message}")
        result.texts.append("\n".join([error.message, *error.stack_trace]))
    elif kind in ("markdown", "text", "alert"):
        result.texts.append(getattr(element, kind).body)
    elif kind in WIDGET_TYPES:
        proto = getattr(element, kind)
        result.widgets[proto.label] = Widget(kind, proto.label, proto.id, proto)


def find_widget(widgets: dict[str, Widget], label_part: str, kinds: tuple[str, ...] = ()) -> Widget:
    """The first widget whose label contains `label_part` (case-insensitive), of one of `kinds`."""
    for label, widget in widgets.items():
        if label_part.lower() in label.lower() and (not kinds or widget.kind in kinds):
            return widget
    raise LookupError(f"no widget labelled like {label_part!r}; labels: {sorted(widgets)}")
