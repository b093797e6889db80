# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Endpoints on 127.0.0.1 that give a client no answer, for the tests of
what it says then: one that refuses connections, one that accepts them
and never answers, one that closes them unanswered.

Each takes the test (its addCleanup) and returns the endpoint's URL.
Standard library only: the dashboard tests, in Horizon's venv, use them
too.
"""

import socket
import threading


def _socket(test):
    sock = socket.socket()
    test.addCleanup(sock.close)
    sock.bind(('127.0.0.1', 0))
    return sock, 'http://127.0.0.1:%d' % sock.getsockname()[1]


def refusing(test):
    """Bound and not listening: the port stays ours, and every connection
    is refused.
    """
    return _socket(test)[1]


def silent(test):
    """Listening and never accepting: the kernel completes the handshake,
    the request is sent, and no answer ever comes.
    """
    sock, url = _socket(test)
    sock.listen(16)
    return url


def closing(test):
    """Accepts each connection, reads the request, closes it."""
    sock, url = _socket(test)
    sock.listen(16)

    def serve():
        while True:
            try:
                connection, _address = sock.accept()
            except OSError:
                return      # closed by the cleanup
            with connection:
                connection.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    test.addCleanup(thread.join, 5)
    # Shut down before closing (cleanups run last in, first out): close()
    # alone does not wake a thread blocked in accept() on Linux.
    test.addCleanup(sock.shutdown, socket.SHUT_RDWR)
    return url
