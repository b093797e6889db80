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

"""What the commands' options share: their help's layout and value
types."""

import argparse

from cliff import _argparse as cliff_argparse


class HelpFormatter(cliff_argparse.SmartHelpFormatter):
    """Keeps the line breaks of the description and the examples.

    Both are reStructuredText, which the documentation renders (cliff's
    autoprogram-cliff); a terminal shows a literal block's ``::`` as the
    colon it reads as.
    """

    def _fill_text(self, text, width, indent):
        return ''.join(indent + line.replace('::\n', ':\n')
                       for line in text.splitlines(True))


def positive_int(value):
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError('must be at least 1')
    return number


def seconds(value):
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError('must be more than 0')
    return number
