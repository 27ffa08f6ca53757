"""A minimal SIP user agent over UDP for on-premises telephony (RFC 3261 subset, Django-free).

It places a call (INVITE with an SDP offer of PCMU/8000 and telephone-event, 100/180/183 ignored, 200 OK
answered by ACK, the SDP answer giving the far end's RTP address), answers one (an incoming INVITE gets
100 Trying and 200 OK with our SDP, then the ACK), and ends one (BYE → 200 OK, either side). UDP
retransmission follows timer T1 (500 ms, doubling) for INVITE and BYE. Authentication, TCP/TLS, re-INVITE
and forking are not handled: a PBX trunk that needs them is out of scope (see the README).

Why our own: pyVoIP (1.6, last released early 2024) is built around registering with a PBX before it
calls, and pjsua2 needs the PJSIP C library built; a newer asyncio micro-library (aiosipua) was not
evaluated for lack of time. The far end in the tests is sipp (Debian sip-tester).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field

from .rtp import PT_EVENT, PT_PCMU, RtpSession

T1 = 0.5


class SipError(RuntimeError):
    """The call could not be set up (timeout, or a final 3xx–6xx answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class SipMessage:
    start: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    @property
    def is_request(self) -> bool:
        return not self.start.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        return self.start.split(" ", 1)[0] if self.is_request else self.header("CSeq").split()[-1]

    @property
    def status(self) -> int:
        return int(self.start.split()[1]) if not self.is_request else 0

    def header(self, name: str) -> str:
        short = {"via": "v", "from": "f", "to": "t", "call-id": "i", "contact": "m", "content-length": "l"}
        want = {name.lower(), short.get(name.lower(), name.lower())}
        for k, v in self.headers:
            if k.lower() in want:
                return v
        return ""

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower() or (name.lower() == "via" and k.lower() == "v")]

    @classmethod
    def parse(cls, data: bytes) -> SipMessage:
        text = data.decode("utf-8", errors="replace")
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        headers = []
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers.append((k.strip(), v.strip()))
        return cls(lines[0].strip(), headers, body)

    def encode(self) -> bytes:
        body = self.body.encode()
        lines = [self.start, *(f"{k}: {v}" for k, v in self.headers if k.lower() != "content-length")]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def sdp_offer(ip: str, rtp_port: int, session_id: int) -> str:
    return (
        "v=0\r\n"
        f"o=carecall {session_id} {session_id} IN IP4 {ip}\r\n"
        "s=carecall\r\n"
        f"c=IN IP4 {ip}\r\n"
        "t=0 0\r\n"
        f"m=audio {rtp_port} RTP/AVP {PT_PCMU} {PT_EVENT}\r\n"
        f"a=rtpmap:{PT_PCMU} PCMU/8000\r\n"
        f"a=rtpmap:{PT_EVENT} telephone-event/8000\r\n"
        f"a=fmtp:{PT_EVENT} 0-15\r\n"
        "a=ptime:20\r\n"
        "a=sendrecv\r\n"
    )


def sdp_media_address(sdp: str) -> tuple[str, int] | None:
    """The audio (ip, port) of an SDP body, or None."""
    ip = re.search(r"^c=IN IP4 (\S+)", sdp, re.M)
    port = re.search(r"^m=audio (\d+) ", sdp, re.M)
    if not ip or not port:
        return None
    return ip.group(1), int(port.group(1))


def _tag() -> str:
    return os.urandom(6).hex()


class SipCall:
    """One call leg: our SIP socket and our RTP session."""

    def __init__(self, local_ip: str = "127.0.0.1", sip_port: int = 0, user: str = "carecall") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((local_ip, sip_port))
        self.local_ip, self.sip_port = self.sock.getsockname()
        self.user = user
        self.rtp = RtpSession(local_ip)
        self.call_id = f"{_tag()}@{self.local_ip}"
        self.local_tag = _tag()
        self.remote_tag = ""
        self.cseq = 0
        self.peer: tuple[str, int] | None = None
        self.remote_uri = ""
        self.local_uri = f"sip:{user}@{self.local_ip}:{self.sip_port}"
        self.from_header = ""
        self.to_header = ""
        self.established = threading.Event()
        self.ended = threading.Event()  # BYE either way, or a failure
        self.hung_up_by_peer = threading.Event()
        self._responses: list[SipMessage] = []
        self._cond = threading.Condition()
        self._invite: SipMessage | None = None
        self._incoming: list[tuple[SipMessage, tuple[str, int]]] = []
        self._stop = threading.Event()
        self.sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._receive, name=f"sip-{self.sip_port}", daemon=True)
        self._thread.start()

    # ---- transport

    def _via(self) -> str:
        return f"SIP/2.0/UDP {self.local_ip}:{self.sip_port};branch=z9hG4bK{_tag()};rport"

    def _send(self, msg: SipMessage, addr: tuple[str, int]) -> None:
        self.sock.sendto(msg.encode(), addr)

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data.strip():
                continue  # keep-alive
            try:
                msg = SipMessage.parse(data)
            except (ValueError, IndexError):
                continue
            if msg.is_request:
                self._on_request(msg, addr)
            else:
                with self._cond:
                    self._responses.append(msg)
                    self._cond.notify_all()

    def _reply(self, req: SipMessage, addr: tuple[str, int], status: int, reason: str, body: str = "") -> None:
        headers = [(k, v) for k, v in req.headers if k.lower() in ("via", "v", "from", "f", "call-id", "i", "cseq")]
        to = req.header("To")
        if status > 100 and ";tag=" not in to:
            to = f"{to};tag={self.local_tag}"
        headers.insert(2, ("To", to))
        if body:
            headers += [("Contact", f"<{self.local_uri}>"), ("Content-Type", "application/sdp")]
        self._send(SipMessage(f"SIP/2.0 {status} {reason}", headers, body), addr)

    def _on_request(self, req: SipMessage, addr: tuple[str, int]) -> None:
        method = req.method
        if method == "BYE":
            self._reply(req, addr, 200, "OK")
            self.hung_up_by_peer.set()
            self.ended.set()
        elif method == "INVITE":
            if self._invite is not None and req.header("Call-ID") == self._invite.header("Call-ID"):
                self._answer_invite(req, addr)  # retransmission: same answer again
                return
            with self._cond:
                self._incoming.append((req, addr))
                self._cond.notify_all()
        elif method == "ACK":
            if self._invite is not None:
                self.established.set()
        elif method in ("OPTIONS", "INFO", "NOTIFY"):
            self._reply(req, addr, 200, "OK")
        elif method == "CANCEL":
            self._reply(req, addr, 200, "OK")
            self.ended.set()
        else:
            self._reply(req, addr, 501, "Not Implemented")

    def _request(self, method: str, body: str = "") -> SipMessage:
        assert self.peer is not None
        if method != "ACK":
            self.cseq += 1
        headers = [
            ("Via", self._via()),
            ("Max-Forwards", "70"),
            ("From", self.from_header),
            ("To", self.to_header + (f";tag={self.remote_tag}" if self.remote_tag else "")),
            ("Call-ID", self.call_id),
            ("CSeq", f"{self.cseq} {method}"),
            ("Contact", f"<{self.local_uri}>"),
            ("User-Agent", "epiaid-carecall"),
        ]
        if body:
            headers.append(("Content-Type", "application/sdp"))
        return SipMessage(f"{method} {self.remote_uri} SIP/2.0", headers, body)

    def _transact(self, req: SipMessage, timeout: float) -> SipMessage:
        """Send with T1 retransmission until a final response (provisional ones stop retransmitting)."""
        assert self.peer is not None
        cseq = req.header("CSeq")
        deadline = time.monotonic() + timeout
        interval, provisional = T1, False
        self._send(req, self.peer)
        next_send = time.monotonic() + interval
        while time.monotonic() < deadline:
            with self._cond:
                for i, msg in enumerate(self._responses):
                    if msg.header("CSeq") == cseq:
                        self._responses.pop(i)
                        if msg.status >= 200:
                            return msg
                        provisional = True
                        break
                else:
                    self._cond.wait(0.05)
            if not provisional and time.monotonic() >= next_send:
                self._send(req, self.peer)
                interval = min(interval * 2, 4.0)
                next_send = time.monotonic() + interval
        raise SipError(f"no final answer to {req.method} within {timeout:.0f} s")

    # ---- placing a call

    def invite(self, target: str, peer: tuple[str, int], timeout: float = 30.0) -> None:
        """Call ``target`` (a sip: URI) through ``peer`` (host, port); returns once the call is up."""
        self.peer = peer
        self.remote_uri = target
        self.from_header = f"<{self.local_uri}>;tag={self.local_tag}"
        self.to_header = f"<{target}>"
        offer = sdp_offer(self.local_ip, self.rtp.local_port, int(time.time()))
        req = self._request("INVITE", offer)
        resp = self._transact(req, timeout)
        if resp.status >= 300:
            self.ended.set()
            raise SipError(f"the call was refused: {resp.start}", resp.status)
        m = re.search(r";tag=([^;\s]+)", resp.header("To"))
        self.remote_tag = m.group(1) if m else ""
        contact = re.search(r"<(sip:[^>]+)>", resp.header("Contact"))
        if contact:
            self.remote_uri = contact.group(1)
        media = sdp_media_address(resp.body)
        if media is None:
            raise SipError("the 200 OK carried no usable SDP answer")
        self.rtp.remote = media
        ack = self._request("ACK")
        ack.headers[5] = ("CSeq", f"{self.cseq} ACK")
        self._send(ack, self.peer)
        self.established.set()

    # ---- answering a call

    def wait_for_invite(self, timeout: float = 30.0) -> SipMessage:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._incoming:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SipError(f"no INVITE within {timeout:.0f} s")
                self._cond.wait(min(left, 0.1))
            req, addr = self._incoming.pop(0)
        self._invite = req
        self.peer = addr
        self.call_id = req.header("Call-ID")
        self.remote_tag = (re.search(r";tag=([^;\s]+)", req.header("From")) or [None, ""])[1] or ""
        contact = re.search(r"<(sip:[^>]+)>", req.header("Contact"))
        self.remote_uri = contact.group(1) if contact else f"sip:{addr[0]}:{addr[1]}"
        # Our requests on this dialog (BYE) go From our To, To their From.
        self.from_header = re.sub(r";tag=[^;\s]+", "", req.header("To")) + f";tag={self.local_tag}"
        self.to_header = re.sub(r";tag=[^;\s]+", "", req.header("From"))
        media = sdp_media_address(req.body)
        if media is not None:
            self.rtp.remote = media
        return req

    def answer(self, timeout: float = 30.0) -> None:
        """Answer the next incoming INVITE (100, 200 with our SDP) and wait for its ACK."""
        req = self.wait_for_invite(timeout)
        assert self.peer is not None
        self._reply(req, self.peer, 100, "Trying")
        self._answer_invite(req, self.peer)
        if not self.established.wait(timeout):
            raise SipError("the caller never sent the ACK")

    def _answer_invite(self, req: SipMessage, addr: tuple[str, int]) -> None:
        body = sdp_offer(self.local_ip, self.rtp.local_port, int(time.time()))
        self._reply(req, addr, 200, "OK", body)

    # ---- ending

    def bye(self, timeout: float = 8.0) -> None:
        if self.ended.is_set() or self.peer is None:
            return
        try:
            self._transact(self._request("BYE"), timeout)
        finally:
            self.ended.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
        self.sock.close()
        self.rtp.close()
