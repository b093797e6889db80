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

"""glance-download-replicator: the policies applied as images change.

One worker thread does all the reconciling, so that one instance never
runs two passes at once: a full pass every ``interval`` seconds (which
catches what no notification said: lost messages, a region that was
down, a grace period that ran out) and, in between, a pass of each image
Glance's notifications named, a moment after the last one about it (an
import sends a dozen ``image.update``). The notifications come from
oslo.messaging's listener, in a pool that every instance joins, so that
each reaches one instance; with no transport_url configured the service
runs full passes only. Any number of instances may run: the copies' ids
are deterministic and every action's "already done" is success (see
engine).
"""

import threading
import time

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging
from oslo_messaging import opts as messaging_opts

from glance_download.copying import logic
from glance_download.copying import regions as regions_mod
from glance_download.replication import engine
from glance_download.replication import plan
from glance_download.replication import policy as policy_mod

LOG = logging.getLogger(__name__)

GROUP = 'replicator'
AUTH_GROUP = 'service_credentials'
# Seconds after which the images whose copies a pass left for want of a
# slot (the region's per_region imports under way) are passed again, each
# alone: a few list calls, until the imports before them have ended.
DEFERRED_RETRY = 3

OPTS = [
    cfg.StrOpt('policy_file', required=True,
               help='The replication policy file (YAML): which images of '
                    'which source region to keep in which regions, and how '
                    'their copies follow the source. It is read at start; '
                    'restart the service after changing it.'),
    cfg.IntOpt('interval', default=600, min=10,
               help='Seconds between two full passes over every policy. A '
                    'full pass catches what no notification told: messages '
                    'lost while the message bus was down, regions that '
                    'were unreachable, grace periods that ran out. It lists '
                    'each region\'s images about twice per policy, '
                    'whatever their number.'),
    cfg.FloatOpt('event_delay', default=2.0, min=0,
                 help='Seconds to wait after a notification about an image '
                      'before reconciling it, so that the dozen events of '
                      'one change (an import, a property update) make one '
                      'pass.'),
    cfg.IntOpt('parallel', default=4, min=1,
               help='Copies started at the same time, in all regions.'),
    cfg.IntOpt('per_region', default=2, min=1,
               help='Copies started at the same time into one region.'),
    cfg.IntOpt('dead_after', default=logic.DEAD_AFTER, min=60,
               help='Seconds after which an import whose task has not '
                    'changed is dead (its glance-api was restarted or '
                    'killed): the copy is deleted and made again. Keep it '
                    'above the longest silent step of your Glance (image '
                    'conversion of the largest image).'),
    cfg.StrOpt('interface', default='public',
               choices=(('public', 'the catalog\'s public endpoints'),
                        ('internal', 'the internal endpoints, where the '
                                     'service and the regions reach each '
                                     'other inside the cloud'),
                        ('admin', 'the admin endpoints')),
               help='Which catalog endpoints of Glance the service talks to, '
                    'and the target regions download the data from.'),
    cfg.StrOpt('pool', default='glance-download-replicator',
               help='The notification listener pool. Instances in one pool '
                    'share the notifications (each goes to one of them); '
                    'give another pool name only to a deployment that must '
                    'act on the same notifications independently.'),
]


class ConfigError(ValueError):
    """A configuration the service cannot start with."""


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)
    ks_loading.register_session_conf_options(conf, AUTH_GROUP)
    ks_loading.register_auth_conf_options(conf, AUTH_GROUP)
    # transport_url ([DEFAULT] or [oslo_messaging_notifications]), topics
    # and the drivers' options, as oslo.messaging reads them.
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)


def list_opts():
    """The options for oslo-config-generator (the sample file and the
    configuration reference).
    """
    auth = ks_loading.get_auth_common_conf_options() + \
        ks_loading.get_auth_plugin_conf_options('password')
    return [(GROUP, OPTS),
            (AUTH_GROUP, ks_loading.get_session_conf_options() + auth)]


def has_message_bus(conf):
    """Whether the operator set a transport_url where oslo.messaging's
    notification transport reads it (its own default, rabbit:// on this
    host, does not count: no bus is the embedded default).
    """
    for group in ('oslo_messaging_notifications', None):
        location = conf.get_location('transport_url', group)
        if location is not None and \
                location.location != cfg.Locations.opt_default:
            return True
    return False


class _Endpoint:
    """oslo.messaging's notification endpoint: image events to the queue."""

    def __init__(self, service):
        self.service = service
        self.filter_rule = oslo_messaging.NotificationFilter(
            event_type=r'^image\.(create|update|activate|delete)$')
        self.handled = oslo_messaging.NotificationResult.HANDLED

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        image_id = (payload or {}).get('id')
        if image_id:
            LOG.debug('%s of image %s from %s', event_type, image_id,
                      publisher_id)
            self.service.notify(image_id)
        return self.handled


class Service:
    """Full passes on a timer, image passes on notifications, until
    stop().
    """

    def __init__(self, conf, replicator=None, clock=None):
        self.conf = conf
        options = conf[GROUP]
        self.interval = options.interval
        self.event_delay = options.event_delay
        self.replicator = replicator or self._replicator(conf)
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._pending = {}          # image id -> when it was last named
        self._listener = None
        self.passes = 0             # full passes run
        self.clock = clock or time.monotonic

    @staticmethod
    def _replicator(conf):
        options = conf[GROUP]
        policies = policy_mod.load(options.policy_file)
        auth = ks_loading.load_auth_from_conf_options(conf, AUTH_GROUP)
        if auth is None:
            raise ConfigError(
                '[%s] gives no credentials (auth_type and its options: a '
                'service user\'s password, or an application credential)'
                % AUTH_GROUP)
        session = ks_loading.load_session_from_conf_options(
            conf, AUTH_GROUP, auth=auth)
        LOG.info('Policies %s from %s', ', '.join(p.name for p in policies),
                 options.policy_file)
        # The project is asked of Keystone at the first pass, not here: a
        # Keystone that is down at start fails passes, not the service.
        return engine.Replicator(
            regions_mod.GlanceRegions(session, options.interface),
            session.get_project_id, policies, wait=False,
            parallel=options.parallel, per_region=options.per_region,
            dead_after=options.dead_after, interface=options.interface)

    # -- notifications -------------------------------------------------------

    def notify(self, image_id):
        with self._lock:
            self._pending[image_id] = self.clock()
        self._wake.set()

    def listen(self):
        """Start the notification listener, if a message bus is set, in a
        thread of its own: while the broker cannot be reached, connecting
        waits (oslo.messaging retries for ever), and the full passes must
        go on meanwhile.
        """
        if not has_message_bus(self.conf):
            LOG.info('No transport_url: full passes every %d s only',
                     self.interval)
            return
        threading.Thread(target=self._listen, name='listener',
                         daemon=True).start()

    def _listen(self):
        topics = self.conf.oslo_messaging_notifications.topics
        pool = self.conf[GROUP].pool
        try:
            transport = oslo_messaging.get_notification_transport(self.conf)
            listener = oslo_messaging.get_notification_listener(
                transport, [oslo_messaging.Target(topic=topic,
                                                  exchange='glance')
                            for topic in topics],
                [_Endpoint(self)], executor='threading', pool=pool)
            listener.start()
        except Exception:
            LOG.exception('Cannot listen to Glance\'s notifications: full '
                          'passes every %d s only', self.interval)
            return
        with self._lock:
            self._listener = listener
        if self.stopping.is_set():
            self._stop_listener()
            return
        LOG.info('Listening to Glance\'s notifications (exchange glance, '
                 'topics %s, pool %s)', ', '.join(topics), pool)

    # -- the worker ----------------------------------------------------------

    def run(self):
        """Work until stop(): a full pass at once, then as due."""
        self.listen()
        next_full = self.clock()
        try:
            while not self.stopping.is_set():
                now = self.clock()
                if now >= next_full:
                    self._pass(None)
                    self.passes += 1
                    next_full = self.clock() + self.interval
                    continue
                due = self._due(now)
                for image_id in due:
                    if self.stopping.is_set():
                        break
                    self._pass(image_id)
                if due:
                    continue
                self._wake.clear()
                self._wake.wait(self._sleep(now, next_full))
        finally:
            self._stop_listener()

    def _again(self, image_ids):
        """Pass ``image_ids`` again, each alone, DEFERRED_RETRY seconds
        from now: copies left for want of a slot start as soon as the
        imports under way may have ended, not an interval later.
        """
        with self._lock:
            for image_id in image_ids:
                self._pending.setdefault(
                    image_id,
                    self.clock() + DEFERRED_RETRY - self.event_delay)

    def _due(self, now):
        with self._lock:
            due = [i for i, t in self._pending.items()
                   if now - t >= self.event_delay]
            for image_id in due:
                del self._pending[image_id]
        return due

    def _sleep(self, now, next_full):
        with self._lock:
            soonest = min(self._pending.values(), default=None)
        wake = next_full if soonest is None else min(
            next_full, soonest + self.event_delay)
        return max(0.05, wake - now)

    def _pass(self, image_id):
        """One pass (of every image, or of ``image_id``)."""
        what = 'image %s' % image_id if image_id else 'full pass'
        try:
            outcomes = self.replicator.run(image_id=image_id)
        except Exception:
            # The next pass starts over; the service must not end.
            LOG.exception('%s failed', what)
            return
        acted = [o for o in outcomes if o.done is not None]
        failed = [o for o in outcomes if o.done is False]
        for outcome in outcomes:
            item = outcome.item
            if outcome.done is False or item.state == plan.FAILED:
                # A region down, a refused import: the next pass tries
                # again; the operator sees why in the meantime.
                LOG.warning('%s: image %s in %s: %s', item.policy,
                            item.source_id, item.region,
                            outcome.result or item.message)
        deferred = [o for o in outcomes if o.deferred]
        LOG.info('%s: %d items, %d acted on, %d failed, %d deferred', what,
                 len(outcomes), len(acted), len(failed), len(deferred))
        self._again({o.item.source_id for o in deferred})

    def stop(self):
        self.stopping.set()
        self._wake.set()

    def _stop_listener(self):
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
            listener.wait()
