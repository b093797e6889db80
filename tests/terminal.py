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

"""A real pseudo-terminal for the tests of what a program shows in one.

Programs draw differently on a terminal (``isatty()``): ``openstack image
copy``'s live progress is rich's, with its markup and cursor movements, and
a pipe or a StringIO never shows what goes wrong there. A test hands
:attr:`Terminal.slave` (a file descriptor) to the program as its stderr,
closes its own copy, and reads back the text once the program is done.
"""

import fcntl
import os
import pty
import re
import struct
import termios
import threading

# CSI sequences (cursor moves, erase line, colours, show/hide cursor) and
# OSC sequences (window title, links).
ESCAPES = re.compile(r'\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*'
                     r'(?:\x07|\x1b\\)')


class Terminal:
    """A pseudo-terminal of ``columns`` x ``lines``, read as it is written
    to (a terminal whose reader stops blocks its writer).
    """

    def __init__(self, columns=200, lines=50):
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ,
                    struct.pack('HHHH', lines, columns, 0, 0))
        self._chunks = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return          # EIO: every end of the slave is closed
            if not data:
                return
            self._chunks.append(data)

    def close_slave(self):
        os.close(self.slave)

    def text(self, timeout=30):
        """What was written, without escape sequences, once every end of
        the slave has been closed (by the test and by the program).
        """
        self._reader.join(timeout)
        if self._reader.is_alive():
            raise AssertionError('the terminal was still open after %d s'
                                 % timeout)
        os.close(self.master)
        return ESCAPES.sub('', b''.join(self._chunks).decode(
            errors='replace'))
