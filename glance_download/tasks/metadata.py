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

"""A reusable task: give an image the formats and chosen properties of
another image.

It knows nothing of where the attributes come from (glance-download feeds
it the remote image record; any flow can feed it a dict) and which
properties travel is decided by name prefixes. Core attributes and
Glance's reserved ``os_glance_*`` names never travel, whatever the
prefixes: a broad prefix such as ``os_`` would otherwise copy the source's
``os_hash_value`` or ``os_hidden`` into the target's properties. Nor do
they stay when an earlier step (Glance's own metadata step, under a broad
``extra_properties``) copied them from the source. The target's own
properties, and any set on it by others during the import, stay.
"""

from oslo_log import log as logging
from taskflow import task

from glance_download import errors
from glance_download import host
from glance_download import tracing

LOG = logging.getLogger(__name__)

RESERVED_PREFIX = 'os_glance'
CORE_ATTRIBUTES = frozenset((
    'checksum', 'container_format', 'created_at', 'deleted', 'deleted_at',
    'direct_url', 'disk_format', 'file', 'id', 'locations', 'min_disk',
    'min_ram', 'name', 'os_hash_algo', 'os_hash_value',
    'os_hidden', 'owner', 'protected', 'schema', 'self', 'size', 'status',
    'stores', 'tags', 'updated_at', 'virtual_size', 'visibility',
))


def protected_names(prefix):
    """The core attributes and reserved names ``prefix`` would match."""
    names = sorted(n for n in CORE_ATTRIBUTES if n.startswith(prefix))
    if RESERVED_PREFIX.startswith(prefix) or prefix.startswith(
            RESERVED_PREFIX):
        names.append(RESERVED_PREFIX + '*')
    return names


def is_copyable(name):
    return name not in CORE_ATTRIBUTES and not name.startswith(
        RESERVED_PREFIX)


def select_properties(attributes, prefixes):
    """The properties of ``attributes`` that ``prefixes`` let through."""
    return {name: value for name, value in attributes.items()
            if is_copyable(name) and isinstance(value, str) and
            any(name.startswith(prefix) for prefix in prefixes)}


class Snapshot:
    """Formats and properties (but Glance's reserved ones) of an image at
    one moment: all of them, whatever their names, so that a revert gives
    each back.
    """

    def __init__(self, disk_format, container_format, properties):
        self.disk_format = disk_format
        self.container_format = container_format
        self.properties = {k: v for k, v in properties.items()
                           if not k.startswith(RESERVED_PREFIX)}

    @classmethod
    def of(cls, image):
        """Snapshot a Glance image (domain object or repo proxy)."""
        # dict(): iterating Glance's ExtraProperties yields nothing.
        return cls(image.disk_format, image.container_format,
                   dict(image.extra_properties))


class SetImageMetadata(tracing.RequestTask, task.Task):
    """Set formats and prefixed properties from ``source_image``.

    :param baseline: the image as it was before the whole import began
        (:class:`Snapshot`). The target ends with the baseline's properties
        plus the selected ones: anything an earlier step of the flow added
        beyond that is removed, and revert restores the baseline. Without a
        baseline, the image as this task finds it is the baseline.
    :param context: the import's request context, whose request id our
        log lines carry (:mod:`glance_download.tracing`)
    """

    def __init__(self, task_id, task_type, action_wrapper, prefixes,
                 baseline=None, inject=None, context=None):
        self.context = context
        self.action_wrapper = action_wrapper
        self.prefixes = tuple(prefixes)
        self.baseline = baseline
        super().__init__(
            name='%s-SetImageMetadata-%s' % (task_type, task_id),
            inject=inject)

    def execute(self, source_image):
        selected = select_properties(source_image, self.prefixes)
        with self.action_wrapper as action:
            if self.baseline is None:
                self.baseline = Snapshot(
                    action.image_disk_format, action.image_container_format,
                    action.image_extra_properties)
            try:
                self._apply(action, source_image, source_image['disk_format'],
                            source_image['container_format'],
                            dict(self.baseline.properties, **selected))
            except host.Forbidden as exc:
                raise errors.ImportFailed(
                    'Could not give the image the properties copied from '
                    'the source: %s This Glance\'s property protections do '
                    'not let you set it; ask the operator to adjust them or '
                    '[glance_download_properties] '
                    'extra_properties_prefixes.' % exc) from None
        skipped = sorted(k for k in source_image
                         if k not in selected and is_copyable(k))
        LOG.info('Image %s: formats %s/%s, copied properties: %s; not '
                 'copied: %s', self.action_wrapper.image_id,
                 source_image['disk_format'],
                 source_image['container_format'],
                 ', '.join(sorted(selected)) or 'none',
                 ', '.join(skipped) or 'none')
        return sorted(selected)

    @staticmethod
    def _apply(action, source_image, disk_format, container_format,
               properties):
        # Glance's own metadata step copies by its own prefixes (the same
        # option name as ours), core attribute names included: with
        # ``os_`` it leaves os_hash_value, os_hidden, ... as properties of
        # the target. What was copied from the source and is not wanted
        # goes; Glance's reserved names (its import lock and store lists)
        # and whatever else the target has stay.
        for name in list(action.image_extra_properties):
            if (name in source_image and name not in properties and
                    not name.startswith(RESERVED_PREFIX)):
                action.pop_extra_property(name)
        action.set_image_extra_properties(properties)
        action.set_image_attribute(disk_format=disk_format,
                                   container_format=container_format)

    def revert(self, source_image, result, **kwargs):
        if self.baseline is None:
            return
        try:
            with self.action_wrapper as action:
                self._apply(action, source_image, self.baseline.disk_format,
                            self.baseline.container_format,
                            self.baseline.properties)
        except host.NotFound:
            LOG.info('Image %s is gone; no metadata to restore',
                     self.action_wrapper.image_id)
        except Exception:
            # A revert that raises stops taskflow's revert of the earlier
            # steps: the staged data would stay, the import lock too.
            LOG.exception('Image %s: could not restore its formats and '
                          'properties', self.action_wrapper.image_id)
