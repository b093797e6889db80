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

"""The policy file: what it accepts, and the file, line and reason of
what it refuses."""

import os
import textwrap

import fixtures
import testtools

from glance_download.replication import policy

FULL = """\
policies:
  - name: public-images
    source_region: RegionOne
    target_regions: [RegionTwo, RegionThree]
    select:
      visibility: public
      tags: [golden]
      properties: {os_distro: ubuntu, os_version: 24.04}
      owners: [p1]
      name: "ubuntu-*"
    copy:
      visibility: public
      tags: replica
      properties: {replicated: yes}
      same_id: true
    follow:
      properties: [os_, hw_, description]
      status: false
      hidden: true
    on_source_deleted: delete
    on_unmatched: hide
    grace: 600
    supersede: true
"""


class ParseTest(testtools.TestCase):

    def test_every_key(self):
        [p] = policy.parse(FULL)
        self.assertEqual(policy.Policy(
            name='public-images', source_region='RegionOne',
            target_regions=('RegionTwo', 'RegionThree'),
            select=policy.Selection(
                visibility='public', tags=('golden',),
                properties=(('os_distro', 'ubuntu'),
                            ('os_version', '24.04')),
                owners=('p1',), name='ubuntu-*'),
            visibility='public', tags=('replica',),
            properties=(('replicated', 'yes'),), same_id=True,
            follow_properties=('os_', 'hw_', 'description'),
            follow_status=False, follow_hidden=True,
            on_source_deleted='delete', on_unmatched='hide', grace=600,
            supersede=True), p)

    def test_defaults(self):
        [p] = policy.parse('policies:\n- name: a\n  source_region: R1\n'
                           '  target_regions: R2\n')
        self.assertEqual(('R2',), p.target_regions)
        self.assertEqual(('private', 'all', 'hide', 'keep', 3600, False,
                          True, True, ()),
                         (p.visibility, p.select.visibility,
                          p.on_source_deleted, p.on_unmatched, p.grace,
                          p.same_id, p.follow_status, p.follow_hidden,
                          p.follow_properties))

    def test_selection_matches_every_criterion(self):
        [p] = policy.parse(FULL)
        image = {'visibility': 'public', 'tags': ['golden', 'x'],
                 'os_distro': 'ubuntu', 'os_version': '24.04',
                 'owner': 'p1', 'name': 'ubuntu-24.04'}
        self.assertTrue(p.select.matches(image))
        for key, value in (('visibility', 'private'), ('tags', ['x']),
                           ('os_distro', 'debian'), ('owner', 'p2'),
                           ('name', 'debian-12')):
            self.assertFalse(p.select.matches(dict(image, **{key: value})),
                             key)
        self.assertEqual({'visibility': 'public', 'tag': ['golden'],
                          'owner': 'p1', 'os_distro': 'ubuntu',
                          'os_version': '24.04'}, p.select.list_filters())

    def test_follows_by_prefix(self):
        [p] = policy.parse(FULL)
        self.assertTrue(p.follows('os_distro'))
        self.assertTrue(p.follows('description'))
        self.assertFalse(p.follows('architecture'))


class RefusedTest(testtools.TestCase):
    """Each bad file: PolicyError with "<file>:<line>: <reason>"."""

    def refused(self, text, line, *words):
        exc = self.assertRaises(policy.PolicyError, policy.parse,
                                textwrap.dedent(text), 'p.yaml')
        self.assertTrue(str(exc).startswith('p.yaml:%s: ' % line), exc)
        for word in words:
            self.assertIn(word, str(exc))
        return str(exc)

    def test_unknown_key(self):
        self.refused("""\
            policies:
              - name: a
                source_region: R1
                target_regions: [R2]
                retire: always
            """, 5, "unknown key 'retire' in a policy", 'known: ')

    def test_unknown_key_of_select(self):
        self.refused("""\
            policies:
              - name: a
                source_region: R1
                target_regions: [R2]
                select: {tag: golden}
            """, 5, "unknown key 'tag' in policy 'a': select")

    def test_missing_required_key(self):
        self.refused("""\
            policies:
              - name: a
                target_regions: [R2]
            """, 2, "a policy needs 'source_region'")

    def test_bad_choice(self):
        self.refused("""\
            policies:
              - name: a
                source_region: R1
                target_regions: [R2]
                on_source_deleted: purge
            """, 5, "must be one of delete, hide, keep, not 'purge'")

    def test_source_among_targets(self):
        self.refused("""\
            policies:
              - name: a
                source_region: RegionOne
                target_regions: [RegionTwo, regionone]
            """, 4, 'the source region is not a target')

    def test_second_policy_of_the_same_name(self):
        self.refused("""\
            policies:
              - name: a
                source_region: R1
                target_regions: [R2]
              - name: a
                source_region: R2
                target_regions: [R1]
            """, 5, "a second policy named 'a' (the first is at line 2)")

    def test_wrong_types(self):
        base = ('policies:\n- name: a\n  source_region: R1\n'
                '  target_regions: [R2]\n')
        for extra, words in (
                ('  grace: -5\n', 'grace must be a whole number of seconds'),
                ('  grace: 1h\n', 'grace must be a whole number of seconds'),
                ('  supersede: "yes"\n', 'supersede must be true or false'),
                ('  copy: {same_id: 1}\n', 'same_id must be true or false'),
                ('  follow: {properties: {os_: 1}}\n',
                 'follow properties must be a list of names'),
                ('  select: [public]\n', 'select must be a mapping')):
            self.refused(base + extra, 5, words)

    def test_name_must_be_text(self):
        self.refused('policies:\n- name: 12\n  source_region: R1\n'
                     '  target_regions: [R2]\n', 2, 'name must be text')

    def test_not_yaml(self):
        self.refused('policies:\n  - name: [a\n', 3, 'not YAML')

    def test_empty_and_wrong_top(self):
        self.refused('', 1, 'the file is empty')
        self.refused('- name: a\n', 1, 'the file must be a mapping')
        self.refused('policies: []\n', 1, '"policies" must be a list')

    def test_unreadable_file(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'missing.yaml')
        exc = self.assertRaises(policy.PolicyError, policy.load, path)
        self.assertEqual('%s: cannot be read: No such file or directory'
                         % path, str(exc))

    def test_load_names_the_file(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'p.yaml')
        with open(path, 'w') as f:
            f.write('policies:\n- name: a\n  source_region: R1\n'
                    '  target_regions: [R2]\n  grace: soon\n')
        exc = self.assertRaises(policy.PolicyError, policy.load, path)
        self.assertTrue(str(exc).startswith(path + ':5: '), exc)
