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

"""tasks.metadata: which properties travel, apply and revert."""

from glance_download.tasks import metadata
from tests.unit import base
from tests.unit import fakes

SOURCE = {
    # core attributes of a v2 image record
    'id': 'src', 'name': 'n', 'status': 'active', 'size': 10,
    'checksum': 'c', 'os_hash_algo': 'sha512', 'os_hash_value': 'h',
    'os_hidden': False, 'visibility': 'public', 'protected': False,
    'owner': 'o', 'min_disk': 0, 'min_ram': 0, 'tags': [],
    'disk_format': 'raw', 'container_format': 'bare', 'virtual_size': None,
    'created_at': 't', 'updated_at': 't', 'self': '/v2/images/src',
    'file': '/v2/images/src/file', 'schema': '/v2/schemas/image',
    'locations': [], 'direct_url': 'file:///x', 'stores': 'fast',
    # reserved
    'os_glance_importing_to_stores': '', 'os_glance_failed_import': '',
    'os_glance_import_task': 'other-task',
    # user properties
    'hw_disk_bus': 'scsi', 'hw_cpu_cores': '5', 'os_distro': 'rhel',
    'os_type': 'linux', 'trait:CUSTOM_X': 'required', 'speed': '88mph',
    'hw_not_a_string': 5, 'hw_list': ['a'], 'hw_none': None,
}


class SelectPropertiesTest(base.TestCase):

    def test_default_prefixes(self):
        self.assertEqual(
            {'hw_disk_bus': 'scsi', 'hw_cpu_cores': '5', 'os_distro': 'rhel',
             'os_type': 'linux', 'trait:CUSTOM_X': 'required'},
            metadata.select_properties(
                SOURCE, ['hw_', 'trait:', 'os_distro', 'os_secure_boot',
                         'os_type']))

    def test_os_prefix_copies_no_core_or_reserved_names(self):
        self.assertEqual({'os_distro': 'rhel', 'os_type': 'linux'},
                         metadata.select_properties(SOURCE, ['os_']))

    def test_empty_prefix_copies_only_user_strings(self):
        self.assertEqual(
            {'hw_disk_bus': 'scsi', 'hw_cpu_cores': '5', 'os_distro': 'rhel',
             'os_type': 'linux', 'trait:CUSTOM_X': 'required',
             'speed': '88mph'},
            metadata.select_properties(SOURCE, ['']))

    def test_no_prefixes(self):
        self.assertEqual({}, metadata.select_properties(SOURCE, []))

    def test_snapshot_of_a_glance_image(self):
        # Glance's domain.ExtraProperties yields nothing when iterated
        # (its __iter__ comes from collections.abc); Snapshot.of must
        # still see every property.
        host = fakes.GlanceHost(properties={'speed': '88mph',
                                            'hw_cpu_cores': '1'})
        snap = metadata.Snapshot.of(host.image_repo.get(host.image_id))
        self.assertEqual(('qcow2', 'ovf'),
                         (snap.disk_format, snap.container_format))
        self.assertEqual({'speed': '88mph', 'hw_cpu_cores': '1'},
                         snap.properties)

    def test_snapshot_leaves_only_reserved_names_out(self):
        # Everything else is the image's own, whatever its name: a revert
        # gives it back ('member', once in the core list, was dropped).
        snap = metadata.Snapshot('qcow2', 'ovf', {
            'os_glance_import_task': 't', 'a': 'b', 'member': 'alice'})
        self.assertEqual({'a': 'b', 'member': 'alice'}, snap.properties)

    def test_member_is_a_property_like_any_other(self):
        # Glance stores a property named 'member'; it is no core attribute.
        self.assertEqual({'member': 'bob'}, metadata.select_properties(
            {'member': 'bob', 'name': 'n'}, ['']))


class SetImageMetadataTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.host = fakes.GlanceHost(properties={'speed': '1mph',
                                                 'os_distro': 'windows'})

    def user_properties(self):
        # dict() first: iterating Glance's ExtraProperties yields nothing.
        return {k: v for k, v in dict(self.host.image.extra_properties)
                .items() if not k.startswith('os_glance')}

    def task(self, baseline=None, prefixes=('hw_', 'os_distro')):
        return metadata.SetImageMetadata(
            self.host.task_id, 'api_image_import', self.host.action_wrapper,
            prefixes, baseline=baseline)

    def test_name(self):
        self.assertEqual('api_image_import-SetImageMetadata-%s'
                         % self.host.task_id, self.task().name)

    def test_execute_sets_formats_and_properties(self):
        task = self.task()
        copied = task.execute(SOURCE)
        self.assertEqual(['hw_cpu_cores', 'hw_disk_bus', 'os_distro'], copied)
        image = self.host.image
        self.assertEqual(('raw', 'bare'),
                         (image.disk_format, image.container_format))
        self.assertEqual({'speed': '1mph', 'os_distro': 'rhel',
                          'hw_cpu_cores': '5', 'hw_disk_bus': 'scsi'},
                         self.user_properties())
        # Glance's reserved properties are untouched (the lock above all).
        self.assertEqual(self.host.task_id,
                         image.extra_properties['os_glance_import_task'])
        self.assertEqual('fast', image.extra_properties[
            'os_glance_importing_to_stores'])
        self.assertIn('copied properties: hw_cpu_cores, hw_disk_bus, '
                      'os_distro; not copied:', self.logs.output)
        self.assertIn('speed', self.logs.output.split('not copied:')[1])

    def test_execute_removes_what_an_earlier_step_copied(self):
        baseline = metadata.Snapshot.of(self.host.image)
        # What Glance's own _ImportMetadata did before us: formats and
        # its own idea of the properties to copy from the source (a broad
        # prefix, say); and a property someone else set meanwhile.
        with self.host.action_wrapper as action:
            action.set_image_attribute(disk_format='iso',
                                       container_format='docker')
            action.set_image_extra_properties({'speed': '88mph',
                                               'os_type': 'linux',
                                               'os_distro': 'rhel'})
            action.set_image_extra_properties({'glance_download_joined': 't'})
        self.task(baseline=baseline).execute(SOURCE)
        self.assertEqual({'speed': '1mph', 'os_distro': 'rhel',
                          'hw_cpu_cores': '5', 'hw_disk_bus': 'scsi',
                          'glance_download_joined': 't'},
                         self.user_properties())
        self.assertEqual('raw', self.host.image.disk_format)

    def test_core_names_an_earlier_step_added_go(self):
        # Glance's _ImportMetadata under extra_properties = [os_] (or an
        # empty prefix) leaves core attributes as properties; they go on
        # execute and on revert.
        baseline = metadata.Snapshot.of(self.host.image)
        core = {'os_hash_value': 'h', 'os_hash_algo': 'sha512',
                'os_hidden': False, 'size': 10, 'checksum': 'c'}
        for step in ('execute', 'revert'):
            with self.host.action_wrapper as action:
                action.set_image_extra_properties(core)
            task = self.task(baseline=baseline, prefixes=('os_', ''))
            if step == 'execute':
                task.execute(SOURCE)
            else:
                task.revert(SOURCE, result=None)
            left = set(core) & set(dict(self.host.image.extra_properties))
            self.assertEqual(set(), left, step)
        self.assertEqual(self.host.task_id, self.host.image.extra_properties[
            'os_glance_import_task'])

    def test_revert_restores_the_baseline_exactly(self):
        with self.host.action_wrapper as action:
            action.set_image_extra_properties({'member': 'alice'})
        before = self.host.image
        baseline = metadata.Snapshot.of(before)
        with self.host.action_wrapper as action:
            action.set_image_extra_properties({'os_type': 'linux'})
        task = self.task(baseline=baseline)
        task.execute(SOURCE)
        task.revert(SOURCE, result=None)
        after = self.host.image
        self.assertEqual(('qcow2', 'ovf'),
                         (after.disk_format, after.container_format))
        self.assertEqual({'speed': '1mph', 'os_distro': 'windows',
                          'member': 'alice'}, self.user_properties())
        self.assertEqual(dict(before.extra_properties),
                         dict(after.extra_properties))

    def test_revert_without_baseline_given_uses_image_as_found(self):
        task = self.task()
        task.execute(SOURCE)
        task.revert(SOURCE, result=None)
        self.assertEqual({'speed': '1mph', 'os_distro': 'windows'},
                         self.user_properties())
        self.assertEqual('qcow2', self.host.image.disk_format)

    def test_revert_before_execute_does_nothing(self):
        saves = self.host.image_repo.saves
        self.task().revert(SOURCE, result=None)
        self.assertEqual(saves, self.host.image_repo.saves)

    def test_revert_tolerates_a_deleted_image(self):
        task = self.task()
        task.execute(SOURCE)
        self.host.image_repo.delete(self.host.image_id)
        task.revert(SOURCE, result=None)
        self.assertIn('is gone; no metadata to restore', self.logs.output)
