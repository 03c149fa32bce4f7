"""An echo agent for astro.messaging.v1 in Python, on nothing but grpcio stubs.

It is written the way the deployed Python SDK is used: one ProcessConversation
stream whose requests come from a generator fed by a queue (the AgentConfig
first, then every reply frame the turns put in the queue), and inbound frames
dispatched on ``WhichOneof("payload")``.

- A message is answered with ``echo: <message>``: THINKING, START, one DELTA
  per word, END, every frame echoing the message's response id.
- ``count N`` streams the numbers 1 to N, one every 20 ms, until the user
  presses stop: a STOP ``stream_control`` ends the turn and nothing more is
  sent for it (no END, no error). A newer message in the same conversation
  supersedes a running turn the same way.

Run it against a sidecar (``npx agentwire dev --no-agent``) with the stubs on
the path (see README.md)::

    GRPC_SERVER_ADDR=127.0.0.1:9090 PYTHONPATH=gen python echo_agent.py

It prints one JSON line per event on stdout (the package test reads them) and
exits with 0 on SIGINT/SIGTERM.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import sys
import threading
from typing import Iterator, Optional

import grpc
from astro.messaging.v1 import (
    config_pb2,
    feedback_pb2,
    message_pb2,
    response_pb2,
    service_pb2,
    service_pb2_grpc,
)

SYSTEM_PROMPT = "Echoes every message, from Python; `count N` counts to N."

Chunk = response_pb2.ContentChunk


_log_lock = threading.Lock()


def log(event: str, **fields: object) -> None:
    """One JSON line per event, flushed at once so a reader sees it live.

    Turns log from their own threads: each line is written whole under a lock
    (print() writes the text and the newline separately, so two threads could
    interleave them).
    """
    line = json.dumps({"event": event, **fields}) + "\n"
    with _log_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


class Agent:
    """The outbox the request generator drains, and the turns that fill it."""

    def __init__(self) -> None:
        self.outbox: queue.Queue[Optional[service_pb2.ConversationRequest]] = queue.Queue()
        self.lock = threading.Lock()
        # conversation id -> (response id, its stop flag) of the running turn
        self.running: dict[str, tuple[str, threading.Event]] = {}

    def requests(self) -> Iterator[service_pb2.ConversationRequest]:
        """The request stream: the config first (it registers the stream), then the outbox."""
        config = config_pb2.AgentConfig(system_prompt=SYSTEM_PROMPT)
        yield service_pb2.ConversationRequest(agent_config=config)
        while True:
            request = self.outbox.get()
            if request is None:  # half-close
                return
            yield request

    def reply(self, conversation_id: str, response_id: str, **payload: object) -> None:
        frame = response_pb2.AgentResponse(
            conversation_id=conversation_id, response_id=response_id, **payload
        )
        self.outbox.put(service_pb2.ConversationRequest(agent_response=frame))

    def on_message(self, frame: response_pb2.AgentResponse) -> None:
        message: message_pb2.Message = frame.incoming_message
        conversation_id = frame.conversation_id
        response_id = frame.response_id or message.id
        stopped = threading.Event()
        with self.lock:
            previous = self.running.get(conversation_id)
            if previous:  # a newer message supersedes the running turn
                previous[1].set()
            self.running[conversation_id] = (response_id, stopped)
        log("message", conversation_id=conversation_id, response_id=response_id)
        worker = threading.Thread(
            target=self.turn, args=(conversation_id, response_id, message.content, stopped)
        )
        worker.daemon = True
        worker.start()

    def on_feedback(self, frame: response_pb2.AgentResponse) -> None:
        feedback = frame.feedback
        if feedback.WhichOneof("feedback") != "stream_control":
            log("feedback", kind=feedback.WhichOneof("feedback"))
            return
        if feedback.stream_control.action != feedback_pb2.StreamControl.STOP:
            return
        conversation_id = feedback.conversation_id or frame.conversation_id
        response_id = feedback.response_id or frame.response_id
        with self.lock:
            running = self.running.get(conversation_id)
        if running and (not response_id or running[0] == response_id):
            running[1].set()
        log("stop", conversation_id=conversation_id, response_id=response_id)

    def turn(self, conversation_id: str, response_id: str, text: str, stopped: threading.Event):
        def send(**payload: object) -> bool:
            if stopped.is_set():
                return False
            self.reply(conversation_id, response_id, **payload)
            return True

        def content(chunk_type: int, text: str = "") -> bool:
            return send(content=response_pb2.ContentChunk(type=chunk_type, content=text))

        sent = 0
        status = response_pb2.StatusUpdate(status=response_pb2.StatusUpdate.THINKING)
        ok = send(status=status) and content(Chunk.START)
        count = re.fullmatch(r"count (\d+)", text.strip())
        if count:
            for i in range(1, int(count.group(1)) + 1):
                ok = ok and content(Chunk.DELTA, f"{i} ")
                if not ok:
                    break
                sent += 1
                if stopped.wait(0.02):  # a STOP ends the wait at once
                    break
        else:
            for word in re.findall(r"\S+\s*|\s+", f"echo: {text}"):
                ok = ok and content(Chunk.DELTA, word)
                sent += ok
        ok = ok and content(Chunk.END)
        with self.lock:
            if self.running.get(conversation_id, ("", None))[0] == response_id:
                del self.running[conversation_id]
        log("ended" if ok else "stopped", response_id=response_id, deltas=sent)


def main() -> int:
    address = os.environ.get("GRPC_SERVER_ADDR", "localhost:9090")
    agent = Agent()
    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=60)  # the agent may start first
    responses = service_pb2_grpc.AgentMessagingStub(channel).ProcessConversation(agent.requests())
    log("connected", address=address)

    closing = threading.Event()

    def shut_down(signum: int, _frame: object) -> None:
        closing.set()
        responses.cancel()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    try:
        for frame in responses:
            kind = frame.WhichOneof("payload")
            if kind == "incoming_message":
                agent.on_message(frame)
            elif kind == "feedback":
                agent.on_feedback(frame)
            else:
                log("ignored", kind=kind)
    except grpc.RpcError as error:
        if not closing.is_set():
            log("stream_failed", code=str(error.code()), details=error.details())
            return 1
    finally:
        agent.outbox.put(None)
        channel.close()
    log("closed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
