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

"""Units and size labels: the part of the bench's vocabulary that needs no
cloud, so that the documentation build can render a run's results
(report, plot) without reading GD_* or importing gdcloud."""

MiB = 1024 * 1024
GiB = 1024 * MiB


def parse_size(text):
    text = text.strip().upper().rstrip('B').rstrip('I')
    units = {'K': 1024, 'M': MiB, 'G': GiB}
    if text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def size_label(size):
    if size % GiB == 0:
        return '%d GiB' % (size // GiB)
    return '%d MiB' % (size // MiB)
