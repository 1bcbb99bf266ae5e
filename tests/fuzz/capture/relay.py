#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Recording relay for the fuzz seed corpus (test tool only; never installed or shipped).

Listens on tcp://127.0.0.1:<port>, forwards each client connection to the agent at
tcp://127.0.0.1:<agent_port> and records both directions byte for byte:
  <out_dir>/conn-<n>.c2a   what the client sent (HELLO, REQUEST and DATA frames)
  <out_dir>/conn-<n>.a2c   what the agent answered
TCP on both legs means no memfds: the agent answers memfd_accepted=false and clients send every
payload inline, so the recording holds all the bytes. Prints "relay: listening on tcp port N".
usage: relay.py <agent_port> <out_dir>
"""
import os
import selectors
import socket
import sys
import threading


def pump(client, agent, c2a_path, a2c_path):
    sel = selectors.DefaultSelector()
    sel.register(client, selectors.EVENT_READ, (agent, open(c2a_path, "wb")))
    sel.register(agent, selectors.EVENT_READ, (client, open(a2c_path, "wb")))
    open_ends = 2
    while open_ends:
        for key, _ in sel.select():
            dst, log = key.data
            data = key.fileobj.recv(65536)
            if not data:
                sel.unregister(key.fileobj)
                log.close()
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                open_ends -= 1
                continue
            log.write(data)
            dst.sendall(data)
    client.close()
    agent.close()


def main():
    agent_port, out_dir = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    print(f"relay: listening on tcp port {lsock.getsockname()[1]}", flush=True)
    n = 0
    while True:
        client, _ = lsock.accept()
        agent = socket.create_connection(("127.0.0.1", agent_port))
        n += 1
        base = os.path.join(out_dir, f"conn-{n:03d}")
        threading.Thread(target=pump, args=(client, agent, base + ".c2a", base + ".a2c"), daemon=True).start()


if __name__ == "__main__":
    main()
