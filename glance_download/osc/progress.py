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

"""Progress of ``openstack image copy`` on stderr (stdout is the result).

In a terminal: one live line per (image, region) with a bar, drawn with
rich (already in OSC's dependency tree, through cliff and cmd2). Anywhere
else (a pipe, a log file, CI): one plain timestamped line per change.
Both are fed the same events from several threads.
"""

import sys
import threading
import time


def make_reporter(stream=None, terminal=None):
    """A :class:`LiveReporter` when ``stream`` (default stderr) is a
    terminal, else a :class:`LineReporter`.
    """
    stream = stream or sys.stderr
    if terminal is None:
        try:
            terminal = stream.isatty()
        except (AttributeError, ValueError):
            terminal = False
    if terminal:
        return LiveReporter(stream)
    return LineReporter(stream)


class LineReporter:
    """``HH:MM:SS <image> -> <region>: <text>``, once per change."""

    def __init__(self, stream, clock=time.localtime):
        self.stream = stream
        self.clock = clock
        self._lock = threading.Lock()
        self._labels = {}
        self._last = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add(self, key, label, total_mib):
        with self._lock:
            self._labels[key] = label

    def update(self, key, text, done_mib=None, total_mib=None):
        # The text (an import task's message) already says how far.
        self._line(key, text)

    def finish(self, key, status, text):
        self._line(key, '%s: %s' % (status, text) if text else status,
                   force=True)

    def note(self, text):
        with self._lock:
            self._write(text)

    def _line(self, key, text, force=False):
        with self._lock:
            if not force and self._last.get(key) == text:
                return
            self._last[key] = text
            self._write('%s: %s' % (self._labels.get(key, key), text))

    def _write(self, text):
        self.stream.write('%s %s\n' % (time.strftime('%H:%M:%S',
                                                     self.clock()), text))
        self.stream.flush()


class LiveReporter:
    """rich live progress: one line per (image, region)."""

    def __init__(self, stream):
        from rich import console as rich_console
        from rich import progress as rich_progress

        self.console = rich_console.Console(file=stream)
        # Image names and task messages are plain text, never rich markup:
        # "win2019 [/uefi]" would raise MarkupError, and a message's
        # "[import_filtering_opts]" would vanish as a style tag.
        self.progress = rich_progress.Progress(
            rich_progress.TextColumn('{task.description}', markup=False),
            rich_progress.BarColumn(),
            rich_progress.TextColumn(
                '{task.completed:>6.0f}/{task.total:.0f} MiB'),
            rich_progress.TextColumn('{task.fields[text]}', markup=False),
            console=self.console, transient=False)
        self._ids = {}
        self._lock = threading.Lock()

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()
        return False

    def add(self, key, label, total_mib):
        with self._lock:
            self._ids[key] = self.progress.add_task(
                label, total=max(total_mib, 1), text='waiting')

    def update(self, key, text, done_mib=None, total_mib=None):
        fields = {'text': text}
        if done_mib is not None:
            fields['completed'] = done_mib
        if total_mib:
            fields['total'] = total_mib
        self.progress.update(self._ids[key], **fields)

    def finish(self, key, status, text):
        task = self._ids[key]
        fields = {'text': '%s: %s' % (status, text) if text else status}
        if status in ('copied', 'exists'):
            total = self.progress.tasks[self._index(task)].total
            fields['completed'] = total
        self.progress.update(task, **fields)

    def note(self, text):
        self.progress.console.print(text, markup=False, highlight=False)

    def _index(self, task_id):
        for i, task in enumerate(self.progress.tasks):
            if task.id == task_id:
                return i
        raise KeyError(task_id)
