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

"""The policy file: which images of a source region are kept in which
other regions, and how their copies follow the source.

A YAML file with a list ``policies``; each policy::

    name: public-images          # unique; marks the copies it makes
    source_region: RegionOne
    target_regions: [RegionTwo, RegionThree]
    select:                      # every key optional; all must match
      visibility: public         # public, community, shared, private, all
      tags: [golden]             # has every one of these tags
      properties: {os_distro: ubuntu}
      owners: [PROJECT_ID]       # owned by one of these projects
      name: "ubuntu-*"           # shell-style pattern
    copy:
      visibility: public         # the copies' (default: private)
      tags: [replica]            # added to the source's tags
      properties: {replicated: "yes"}
      same_id: false             # the source's UUID where it is free
    follow:
      properties: [os_, hw_, description]   # name prefixes
      status: true               # deactivate / reactivate
      hidden: true               # os_hidden
    on_source_deleted: hide      # delete, hide or keep
    on_unmatched: keep           # delete, hide or keep
    grace: 3600                  # seconds before either acts
    supersede: false             # hide copies of older same-named images

A file that does not say this is refused when it is loaded, with its
name, the line and what is wrong, before any region is asked anything.
"""

import dataclasses
import fnmatch

import yaml

VISIBILITIES = ('public', 'community', 'shared', 'private')
RETIRE = ('delete', 'hide', 'keep')


class PolicyError(ValueError):
    """A policy file that cannot be used: ``file:line: reason``."""


@dataclasses.dataclass(frozen=True)
class Selection:
    visibility: str = 'all'
    tags: tuple = ()
    properties: tuple = ()          # (name, value) pairs
    owners: tuple = ()
    name: str = None

    def matches(self, image):
        if self.visibility != 'all' and \
                image.get('visibility') != self.visibility:
            return False
        if not set(self.tags) <= set(image.get('tags') or ()):
            return False
        if any(str(image.get(k)) != v for k, v in self.properties):
            return False
        if self.owners and image.get('owner') not in self.owners:
            return False
        return self.name is None or fnmatch.fnmatchcase(
            image.get('name') or '', self.name)

    def list_filters(self):
        """What Glance can filter by on its side (the rest is matches()):
        visibility, tags, one owner, and property values (Glance compares
        extra properties exactly, as matches() does).
        """
        filters = dict(self.properties, visibility=self.visibility)
        if self.tags:
            filters['tag'] = list(self.tags)
        if len(self.owners) == 1:
            filters['owner'] = self.owners[0]
        return filters


@dataclasses.dataclass(frozen=True)
class Policy:
    name: str
    source_region: str
    target_regions: tuple
    select: Selection = Selection()
    visibility: str = 'private'
    tags: tuple = ()
    properties: tuple = ()          # (name, value) pairs added to copies
    same_id: bool = False
    follow_properties: tuple = ()   # name prefixes
    follow_status: bool = True
    follow_hidden: bool = True
    on_source_deleted: str = 'hide'
    on_unmatched: str = 'keep'
    grace: int = 3600
    supersede: bool = False

    def follows(self, name):
        return any(name.startswith(p) for p in self.follow_properties)


# -- reading -----------------------------------------------------------------

class _Reader:
    """Turns YAML nodes into values, raising PolicyError at the node."""

    def __init__(self, path):
        self.path = path

    def fail(self, node, reason):
        raise PolicyError('%s:%d: %s' % (self.path,
                                         node.start_mark.line + 1, reason))

    def mapping(self, node, what, keys):
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, '%s must be a mapping' % what)
        out = {}
        for key, value in node.value:
            name = self.scalar(key, 'a key of %s' % what)
            if name not in keys:
                self.fail(key, 'unknown key %r in %s; known: %s'
                          % (name, what, ', '.join(sorted(keys))))
            if name in out:
                self.fail(key, '%r given twice in %s' % (name, what))
            out[name] = value
        return out

    def scalar(self, node, what):
        if not isinstance(node, yaml.ScalarNode) or node.value == '':
            self.fail(node, '%s must be a single value' % what)
        return node.value

    def text(self, node, what):
        if node.tag != 'tag:yaml.org,2002:str':
            self.fail(node, '%s must be text, not %r' % (what, node.value))
        return self.scalar(node, what)

    def choice(self, node, what, choices):
        value = self.scalar(node, what)
        if value not in choices:
            self.fail(node, '%s must be one of %s, not %r'
                      % (what, ', '.join(choices), value))
        return value

    def flag(self, node, what):
        if node.tag != 'tag:yaml.org,2002:bool':
            self.fail(node, '%s must be true or false' % what)
        return yaml.safe_load(node.value)

    def seconds(self, node, what):
        value = self.scalar(node, what)
        if node.tag != 'tag:yaml.org,2002:int' or int(value) < 0:
            self.fail(node, '%s must be a whole number of seconds' % what)
        return int(value)

    def texts(self, node, what):
        if isinstance(node, yaml.ScalarNode):
            return (self.text(node, what),)
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.fail(node, '%s must be a list of names' % what)
        return tuple(self.text(item, '%s: each' % what)
                     for item in node.value)

    def pairs(self, node, what):
        """A mapping of text to text (YAML's yes/1 given as text too)."""
        return tuple(sorted(
            (name, self.scalar(value, '%s %r' % (what, name)))
            for name, value in self.mapping(
                node, what, _Anything()).items()))


class _Anything:
    def __contains__(self, key):
        return True


_POLICY_KEYS = {'name', 'source_region', 'target_regions', 'select', 'copy',
                'follow', 'on_source_deleted', 'on_unmatched', 'grace',
                'supersede'}


def _policy(reader, node):
    spec = reader.mapping(node, 'a policy', _POLICY_KEYS)
    for required in ('name', 'source_region', 'target_regions'):
        if required not in spec:
            reader.fail(node, 'a policy needs %r' % required)
    name = reader.text(spec['name'], 'name')
    what = 'policy %r: ' % name
    fields = {'name': name,
              'source_region': reader.text(spec['source_region'],
                                           what + 'source_region'),
              'target_regions': reader.texts(spec['target_regions'],
                                             what + 'target_regions')}
    lowered = [r.lower() for r in fields['target_regions']]
    if fields['source_region'].lower() in lowered:
        reader.fail(spec['target_regions'], what + 'the source region is '
                    'not a target')
    if len(set(lowered)) != len(lowered):
        reader.fail(spec['target_regions'], what + 'a target region is '
                    'named twice')
    if 'select' in spec:
        fields['select'] = _selection(reader, spec['select'], what)
    if 'copy' in spec:
        fields.update(_read(reader, spec['copy'], what + 'copy', {
            'visibility': ('visibility', reader.choice, VISIBILITIES),
            'tags': ('tags', reader.texts),
            'properties': ('properties', reader.pairs),
            'same_id': ('same_id', reader.flag)}))
    if 'follow' in spec:
        fields.update(_read(reader, spec['follow'], what + 'follow', {
            'properties': ('follow_properties', reader.texts),
            'status': ('follow_status', reader.flag),
            'hidden': ('follow_hidden', reader.flag)}))
    for key in ('on_source_deleted', 'on_unmatched'):
        if key in spec:
            fields[key] = reader.choice(spec[key], what + key, RETIRE)
    if 'grace' in spec:
        fields['grace'] = reader.seconds(spec['grace'], what + 'grace')
    if 'supersede' in spec:
        fields['supersede'] = reader.flag(spec['supersede'],
                                          what + 'supersede')
    return Policy(**fields)


def _selection(reader, node, what):
    return Selection(**_read(reader, node, what + 'select', {
        'visibility': ('visibility', reader.choice,
                       VISIBILITIES + ('all',)),
        'tags': ('tags', reader.texts),
        'properties': ('properties', reader.pairs),
        'owners': ('owners', reader.texts),
        'name': ('name', reader.text)}))


def _read(reader, node, what, table):
    """``{field: value}`` of the mapping ``node``, whose keys ``table``
    maps to ``(field, reader method, its extra arguments...)``.
    """
    spec = reader.mapping(node, what, set(table))
    fields = {}
    for key, value in spec.items():
        field, read, *args = table[key]
        fields[field] = read(value, '%s %s' % (what, key), *args)
    return fields


def parse(text, path='<policy>'):
    """The policies of ``text`` (a policy file's content)."""
    reader = _Reader(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        raise PolicyError('%s:%s: not YAML: %s' % (
            path, mark.line + 1 if mark else '?',
            getattr(exc, 'problem', None) or exc)) from None
    if root is None:
        raise PolicyError('%s:1: the file is empty; it needs a list '
                          '"policies"' % path)
    top = reader.mapping(root, 'the file', {'policies'})
    if 'policies' not in top:
        reader.fail(root, 'the file needs a list "policies"')
    items = top['policies']
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        reader.fail(items, '"policies" must be a list of policies')
    policies, seen = [], {}
    for node in items.value:
        policy = _policy(reader, node)
        if policy.name in seen:
            reader.fail(node, 'a second policy named %r (the first is at '
                        'line %d)' % (policy.name, seen[policy.name]))
        seen[policy.name] = node.start_mark.line + 1
        policies.append(policy)
    return policies


def load(path):
    """The policies of the file ``path``; PolicyError if it cannot be
    read or says something this module does not accept.
    """
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError('%s: cannot be read: %s' % (
            path, getattr(exc, 'strerror', None) or exc)) from None
    return parse(text, path)
