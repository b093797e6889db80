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

"""Glance regions in memory for the copy engine's tests
(glance_download.copying): the glanceclient ``images`` calls the copier
makes, the regions around them, and a test case that copies with them.
"""

import collections
import datetime
import io
import itertools
from unittest import mock

from glanceclient import exc as glance_exc
from keystoneauth1 import exceptions as ks_exc
import testtools

from glance_download.copying import copier
from glance_download.copying import logic
from glance_download.osc import progress
from glance_download import records

PROJECT = 'p1'
MiB = logic.MiB
# The fake regions' clock (tasks' updated_at) and the copier's utcnow.
NOW = datetime.datetime(2026, 1, 2, 0, 10, tzinfo=datetime.timezone.utc)
_ids = itertools.count(1)
# The source image of source() and copy().
SRC = 'b1a5e4c2-6a55-4c3e-9b7e-5d1c7c0e0001'


def source(**fields):
    """A source image's record, as the logic and state tests see it."""
    image = {'id': SRC, 'name': 'cirros', 'status': 'active',
             'size': 3 * logic.MiB, 'os_hash_algo': 'sha512',
             'os_hash_value': 'aa' * 64, 'checksum': 'c' * 32,
             'disk_format': 'qcow2', 'container_format': 'bare',
             'min_disk': 1, 'min_ram': 64, 'tags': ['golden'],
             'visibility': 'public'}
    image.update(fields)
    return image


def copy(image_id='t1', status='active', region='RegionOne', **fields):
    """A copy of source() in another region, with its lineage."""
    image = {'id': image_id, 'status': status,
             logic.ORIGIN_ID: SRC, logic.ORIGIN_REGION: region,
             logic.ORIGIN_HASH: 'sha512:' + 'aa' * 64,
             'created_at': '2026-01-01T00:00:0%d' % len(image_id)}
    if status == 'active':
        image.update(size=3 * logic.MiB, os_hash_algo='sha512',
                     os_hash_value='aa' * 64, checksum='c' * 32)
    image.update(fields)
    return image


def new_id():
    return '00000000-0000-4000-8000-%012d' % next(_ids)


class FakeImages:
    """The glanceclient ``images`` calls the copier makes, in memory.

    An import runs when the image is read: the first get() shows the task
    downloading, the next one the outcome (``self.outcome``: 'success',
    'failure' or 'corrupt'; 'converted': success, the data made raw by an
    import plugin; 'stuck': failure, and a revert of Glance's that failed
    left the lock; 'never': the task stays as it is). Each write
    of a task stamps its updated_at with ``self.now()``; an image holding
    an import lock (os_glance_import_task) refuses another import with 409,
    as Glance does until the lock expires.
    """

    def __init__(self, region, methods=('glance-download',)):
        self.region = region
        self.methods = list(methods)
        self.images = {}
        self.tasks = {}
        self.imports = []
        self.deleted = []
        self.outcome = 'success'
        self.sources = {}           # id -> source image, for the outcome
        self.stepped = None         # called on each import step
        self.updates = []           # (image id, set properties, removed)
        self.backends = ['fast', 'ceph']    # the first is the default
        self.failing = set()        # stores that fail every import
        self.wanted = {}            # image id -> (stores, allow_failure)
        self.now = lambda: NOW
        self.calls = collections.Counter()      # API call -> how many

    def add(self, **fields):
        image = {'id': new_id(), 'status': 'queued', 'owner': PROJECT,
                 'created_at': '2026-01-01T00:00:%02d' % len(self.images),
                 'visibility': 'shared'}
        image.update(fields)
        self.images[image['id']] = image
        self.tasks.setdefault(image['id'], [])
        return image

    def get(self, image_id):
        self.calls['get'] += 1
        if image_id not in self.images:
            raise glance_exc.HTTPNotFound('no image %s' % image_id)
        image = self.images[image_id]
        task = self.tasks[image_id][-1] if self.tasks[image_id] else None
        if task and task['status'] == 'processing':
            self._step(image, task)
        return dict(image)

    def _step(self, image, task):
        if self.stepped:
            self.stepped(image, task)
        if self.outcome == 'never':
            return
        if not task['message']:
            self.write(task, message='Downloaded 1 of 3 MiB from RegionOne')
            image['status'] = 'importing'
            return
        source = self.sources[image[logic.ORIGIN_ID]]
        wanted, allow_failure = self.wanted.get(image['id'],
                                                (self.backends[:1], True))
        failed = [name for name in wanted if name in self.failing]
        if failed and not allow_failure:
            self.write(task, status='failure',
                       message='store %s failed' % failed[0])
            image['status'] = 'queued'
            image.pop('os_glance_import_task', None)
            return
        image.update(stores=','.join(n for n in wanted if n not in failed),
                     os_glance_failed_import=','.join(failed))
        if self.outcome in ('failure', 'stuck'):
            self.write(task, status='failure', message='Remote image gone')
            image['status'] = 'queued'
            if self.outcome == 'failure':
                image.pop('os_glance_import_task', None)
            return
        image.update(status='active', size=source['size'],
                     os_hash_algo=source['os_hash_algo'],
                     os_hash_value=source['os_hash_value'],
                     checksum=source['checksum'])
        if self.outcome == 'corrupt':
            image['os_hash_value'] = 'bad'
        if self.outcome == 'converted':
            image.update(size=source['size'] + 1, os_hash_value='raw',
                         checksum='raw', disk_format='raw', **{
                             records.VERIFIED_HASH: logic.source_hash(
                                 source)})
        self.write(task, status='success', message='Copied 3 MiB')
        image.pop('os_glance_import_task', None)

    def write(self, task, **fields):
        """Change ``task`` as Glance's task repo saves it."""
        task.update(fields, updated_at=self.now().strftime(
            '%Y-%m-%dT%H:%M:%S.%f'))

    def list(self, filters=None):
        # As Glance: hidden images only when os_hidden=True is asked for.
        self.calls['list'] += 1
        filters = dict(filters or {})
        filters.pop('visibility', None)
        filters.setdefault('os_hidden', False)
        tags = filters.pop('tag', [])
        for image in list(self.images.values()):
            image = dict(image, os_hidden=image.get('os_hidden', False))
            if all(image.get(k) == v for k, v in filters.items()) and \
                    all(t in image.get('tags', []) for t in tags):
                yield image

    def deactivate(self, image_id):
        self._status(image_id, 'active', 'deactivated')

    def reactivate(self, image_id):
        self._status(image_id, 'deactivated', 'active')

    def _status(self, image_id, before, after):
        self.calls[after] += 1
        image = self.images.get(image_id)
        if image is None:
            raise glance_exc.HTTPNotFound('no image %s' % image_id)
        if image['status'] not in (before, after):
            raise glance_exc.HTTPForbidden('image is %s' % image['status'])
        image['status'] = after

    def create(self, **fields):
        # Glance's database: an id is given out once, deleted or not.
        if fields.get('id') in self.images or \
                fields.get('id') in self.deleted:
            raise glance_exc.HTTPConflict('image id %s exists' % fields['id'])
        return dict(self.add(**fields))

    def delete(self, image_id):
        if image_id not in self.images:
            raise glance_exc.HTTPNotFound('no image %s' % image_id)
        del self.images[image_id]
        self.deleted.append(image_id)

    def update(self, image_id, remove_props=None, **properties):
        if image_id not in self.images:
            raise glance_exc.HTTPNotFound('no image %s' % image_id)
        image = self.images[image_id]
        image.update(properties)
        for name in remove_props or ():
            image.pop(name, None)
        self.updates.append((image_id, properties, remove_props))
        return dict(image)

    def image_import(self, image_id, method, remote_region=None,
                     remote_image_id=None, remote_service_interface=None,
                     stores=None, allow_failure=True, all_stores=None):
        image = self.images[image_id]
        if image['status'] != 'queued':
            raise glance_exc.HTTPConflict('image is %s' % image['status'])
        if image.get('os_glance_import_task'):
            raise glance_exc.HTTPConflict('Image has active task')
        self.imports.append((image_id, method, remote_region,
                             remote_image_id, remote_service_interface))
        self.wanted[image_id] = (list(self.backends) if all_stores else
                                 stores or self.backends[:1], allow_failure)
        task = {'id': new_id(), 'status': 'processing', 'message': '',
                'created_at': '2026-01-02T00:00:%02d'
                % len(self.tasks[image_id])}
        self.write(task)
        self.tasks[image_id].append(task)
        image['os_glance_import_task'] = task['id']

    def get_associated_image_tasks(self, image_id):
        return {'tasks': [dict(t) for t in self.tasks.get(image_id, [])]}

    def get_import_info(self):
        return {'import-methods': {'value': self.methods}}


class MissingImages:
    def __getattr__(self, name):
        def call(*args, **kwargs):
            raise ks_exc.EndpointNotFound('image in region Nowhere')
        return call


class FakeRegions:
    interface = 'public'

    def __init__(self, **regions):
        self.regions = regions
        self.importers = []     # regions asked for their import client

    def glance(self, region):
        images = self.regions.get(region) or MissingImages()
        return mock.Mock(images=images)

    def importer(self, region):
        self.importers.append(region)
        return self.glance(region)

    def checker(self, region):
        return self.glance(region)


class Base(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.r1 = FakeImages('RegionOne')
        self.r2 = FakeImages('RegionTwo')
        self.r3 = FakeImages('RegionThree', methods=['web-download'])
        self.regions = FakeRegions(RegionOne=self.r1, RegionTwo=self.r2,
                                   RegionThree=self.r3)
        self.source = self.make_source('cirros')
        self.err = io.StringIO()

    def make_source(self, name, **fields):
        fields.setdefault('tags', ['golden'])
        source = self.r1.add(
            name=name, status='active', size=3 * MiB,
            os_hash_algo='sha512', os_hash_value=name * 10,
            checksum='c' * 32, disk_format='qcow2',
            container_format='bare', min_disk=1, min_ram=64,
            visibility='public', **fields)
        for fake in (self.r2, self.r3):
            fake.sources[source['id']] = source
        return source

    def importing_copy(self, written=None, status='importing'):
        """A copy of the source in RegionTwo with an import under way, as
        another run left it: (copy, its task), the task last written at
        ``written`` (naive UTC text, as Glance shows it).
        """
        copy = self.r2.add(**logic.origin_properties(self.source,
                                                     'RegionOne'))
        self.r2.image_import(copy['id'], 'glance-download')
        copy['status'] = status
        task = self.r2.tasks[copy['id']][-1]
        if written:
            task['updated_at'] = written
        return copy, task

    def copier(self, **kwargs):
        kwargs.setdefault('poll', 0)
        kwargs.setdefault('utcnow', lambda: NOW)
        return copier.Copier(self.regions, 'RegionOne', PROJECT,
                             progress.LineReporter(self.err), **kwargs)

    def run_copy(self, regions=('RegionTwo',), sources=None, **kwargs):
        engine = self.copier(**kwargs)
        return engine, engine.run(sources or [self.source], list(regions))
