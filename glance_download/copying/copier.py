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

"""Copy source images to target regions, concurrently, through Glance's API.

One job per (source image, target region), run on a bounded thread pool:
check that the region offers glance-download, look for copies an earlier
run left there, create the target (or reuse / replace a left-over), start
the glance-download import, follow its task, verify the result against the
source. Ctrl-C (KeyboardInterrupt in the main thread) stops every job at its
next step; the images this run created that are still queued or importing
are deleted (see DISCARDABLE), also one whose create call was in flight,
unless another run has joined them (logic.JOINED). An import that is dead
(logic.dead_task: a glance-api stopped during it) is never followed.

All Glance calls go through glanceclient clients from
:class:`glance_download.copying.regions.GlanceRegions` (one keystoneauth
session: the caller's, with the caller's token).
"""

import collections
from concurrent import futures
import http.client
import ssl
import threading
import time

from glanceclient import exc as glance_exc
from keystoneauth1 import exceptions as ks_exc

from glance_download.copying import logic

# What Ctrl-C deletes of the images this run created, by their status
# right before the delete: not imported into yet, or being imported (that
# import is this run's; deleting the image is how its download is
# stopped), or killed. Never active (a finished copy), nor a copy someone
# else has acted on since (deactivated, ...).
DISCARDABLE = ('queued', 'importing', 'killed')

# How often one job decides again after a concurrent run created the copy
# it was about to create (see Copier._create): the second decision finds
# that copy and joins it, unless the other run deleted it meanwhile.
RACES = 3

# Errors of a call that never got an answer from Glance: keystoneauth's
# (refused, timed out, TLS), and glanceclient's own for the first two
# (its SessionClient turns ConnectFailure into CommunicationError and
# ConnectTimeout into InvalidEndpoint; SSLCertificateError and the rest of
# its BaseException family come from its older HTTPClient).
UNREACHABLE = (ks_exc.ConnectionError, glance_exc.BaseException)
# Every error an API call of a region may end with.
API_ERRORS = (glance_exc.HTTPException, ks_exc.ClientException) + UNREACHABLE
# Errors of one poll that say nothing about the import itself.
TRANSIENT = (glance_exc.HTTPInternalServerError, glance_exc.HTTPBadGateway,
             glance_exc.HTTPServiceUnavailable) + UNREACHABLE


def describe_error(exc):
    """A one-line reason for an API error."""
    if isinstance(exc, ks_exc.EndpointNotFound):
        return 'no image endpoint in the catalog (%s)' % exc
    if isinstance(exc, UNREACHABLE):
        return 'Glance did not answer (%s)' % _connection_problem(exc)
    if isinstance(exc, glance_exc.HTTPException):
        details = (getattr(exc, 'details', None) or str(exc)).strip()
        return 'HTTP %s: %s' % (getattr(exc, 'code', '?'),
                                ' '.join(details.split()))
    return '%s: %s' % (type(exc).__name__, exc)


def _causes(exc):
    """``exc`` and what led to it, outermost first: the exceptions it was
    raised from or while handling, and requests' and urllib3's wrapped
    ones (``args[0]``, ``reason``).
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        wrapped = [e for e in (exc.__cause__, exc.__context__,
                               getattr(exc, 'reason', None),
                               exc.args[0] if exc.args else None)
                   if isinstance(e, BaseException)]
        exc = wrapped[0] if wrapped else None


def _connection_problem(exc):
    """Why a call got no answer, in words, from the innermost cause that
    says it: never the text of the outer errors, which holds the endpoint's
    URL (and whatever that URL carries).
    """
    problem = None
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            problem = 'TLS error: certificate verify failed: %s' % (
                cause.verify_message or cause.reason)
        elif isinstance(cause, ssl.SSLError):
            problem = 'TLS error: %s' % (
                cause.reason or 'handshake failed').lower().replace('_', ' ')
        elif isinstance(cause, TimeoutError):
            problem = 'timed out'
        elif isinstance(cause, http.client.RemoteDisconnected):
            problem = 'connection closed without an answer'
        elif isinstance(cause, OSError) and cause.strerror:
            problem = cause.strerror[:1].lower() + cause.strerror[1:]
    if problem:
        return problem
    if isinstance(exc, (ks_exc.ConnectTimeout, glance_exc.InvalidEndpoint)):
        return 'timed out'
    return 'connection failed'


def candidates(glance, source, project_id):
    """The images of ``project_id`` in ``glance``'s region that say they
    are copies of ``source`` (logic.decide() picks the real ones).
    """
    return [dict(i) for i in glance.images.list(filters={
        logic.ORIGIN_ID: source['id'], 'owner': project_id,
        'visibility': 'all'})]


def import_tasks(glance, image_id):
    return list(glance.images.get_associated_image_tasks(
        image_id).get('tasks') or ())


class SilentReporter:
    """The reporter of a caller that shows the results, not the steps (the
    dashboard reads progress back from Glance's tasks: see state.py).
    """

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add(self, key, label, total_mib):
        pass

    def update(self, key, text, done_mib=None, total_mib=None):
        pass

    def finish(self, key, status, text):
        pass

    def note(self, text):
        pass


class Copier:

    def __init__(self, regions, source_region, project_id, reporter,
                 visibility='private', interface='public', wait=True,
                 dry_run=False, parallel=4, timeout=None, poll=1.0,
                 clock=time.monotonic, patience=60, replace=False,
                 dead_after=logic.DEAD_AFTER, utcnow=logic.utcnow,
                 stores=logic.Stores(), extra=None, same_id=False):
        self.regions = regions
        self.source_region = source_region
        self.project_id = project_id
        self.reporter = reporter
        self.visibility = visibility
        self.interface = interface
        self.wait = wait
        self.dry_run = dry_run
        self.replace = replace
        self.dead_after = dead_after
        self.stores = stores
        # Properties and tags the copies get beside the source's
        # (logic.target_fields), and whether a copy first asks for the
        # source's own id: a replication policy's.
        self.extra = extra or {}
        self.same_id = same_id
        self.utcnow = utcnow
        self.parallel = max(1, parallel)
        self.timeout = timeout
        self.poll = poll
        self.patience = patience
        self.clock = clock
        self.stop = threading.Event()
        self.interrupted = False
        self.cleaned = []       # (region, image id, status) deleted on Ctrl-C
        self._lock = threading.Lock()
        self._created = {}      # (region, image id) -> Result
        self._cleaning = False  # clean_up() has taken its list
        self._region_checks = {}
        self._region_locks = collections.defaultdict(threading.Lock)

    # -- sources --------------------------------------------------------------

    def find_source(self, name_or_id):
        """The source image ``name_or_id`` in the source region."""
        # Not osc_lib.utils.find_resource: with glanceclient's v2 images
        # controller (no find(), no resource_class) it turns any error of
        # get() (a 500, an unreachable Glance) into a name lookup that ends
        # in images.list() without a filter, paging through every image the
        # user can see; its kwargs reach only get() and find().
        glance = self.regions.glance(self.source_region)
        if logic.looks_like_id(name_or_id):
            try:
                return dict(glance.images.get(name_or_id))
            except glance_exc.HTTPNotFound:
                pass
        matches = [dict(i) for i in glance.images.list(
            filters={'name': name_or_id})]
        return logic.pick_by_name(name_or_id, matches)

    def select(self, names, filters):
        """``(sources, problems)``: the source images meant by ``names``
        and the bulk ``filters``, and ``(label, source id, reason)`` for
        each that cannot be copied.
        """
        sources, problems = [], []
        for name in names:
            try:
                source = self.find_source(name)
            except logic.SelectionError as exc:
                problems.append((name, None, 'source: %s in %s'
                                 % (exc, self.source_region)))
                continue
            except API_ERRORS as exc:
                problems.append((name, None, 'source: %s'
                                 % describe_error(exc)))
                continue
            sources.append(source)
        if filters is not None:
            glance = self.regions.glance(self.source_region)
            sources.extend(dict(i) for i in glance.images.list(
                filters=dict(filters)))
        good = []
        for source in logic.unique_sources(sources):
            problem = logic.source_problem(source)
            if problem:
                problems.append((source.get('name') or source['id'],
                                 source['id'], 'source: %s' % problem))
            else:
                good.append(source)
        return good, problems

    # -- running --------------------------------------------------------------

    @staticmethod
    def key(source, region):
        return (source['id'], region)

    def run(self, sources, target_regions):
        """Results, one per (source, region), in that order."""
        jobs = [(s, r) for s in sources for r in target_regions]
        results = {}
        with self.reporter:
            for source, region in jobs:
                self.reporter.add(
                    self.key(source, region), '%s -> %s' % (
                        source.get('name') or source['id'], region),
                    logic.size_mib(source))
            executor = futures.ThreadPoolExecutor(
                max_workers=self.parallel,
                thread_name_prefix='image-copy')
            submitted = {executor.submit(self.copy_one, s, r): (s, r)
                         for s, r in jobs}
            try:
                pending = set(submitted)
                while pending:
                    _done, pending = futures.wait(pending, timeout=0.5)
            except KeyboardInterrupt:
                self._interrupt(submitted)
            finally:
                executor.shutdown(wait=False, cancel_futures=True)
            for future, (source, region) in submitted.items():
                results[self.key(source, region)] = self._outcome(
                    future, source, region)
                result = results[self.key(source, region)]
                if future.cancelled() or not future.done():
                    self.reporter.finish(self.key(source, region),
                                         result.status, result.message)
        return [results[self.key(s, r)] for s, r in jobs]

    def _outcome(self, future, source, region):
        if future.cancelled():
            return self._result(source, region, status=logic.CANCELLED,
                                message='not started (interrupted)')
        if not future.done():
            return self._result(source, region, status=logic.CANCELLED,
                                message='still running when interrupted')
        return future.result()

    def _interrupt(self, submitted):
        """Ctrl-C: stop the jobs, then delete what this run created that is
        not active. A second Ctrl-C skips the wait for the jobs.
        """
        self.interrupted = True
        self.stop.set()
        for future in submitted:
            future.cancel()
        self.reporter.note('Interrupted: stopping the copies and deleting '
                           'the target images this run created that are '
                           'not active ...')
        try:
            futures.wait(submitted, timeout=60)
        except KeyboardInterrupt:
            pass
        self.clean_up()

    def clean_up(self):
        """Delete the images this run created that are still queued or
        importing (see _discard). A job that registers an image later (its
        create call was in flight) deletes it itself: see _register().
        """
        with self._lock:
            self._cleaning = True
            created = list(self._created.items())
        left = [key for key, _result in created]
        try:
            for (region, image_id), result in created:
                left.remove((region, image_id))
                self._discard(region, image_id, result)
        except KeyboardInterrupt:
            self.reporter.note('Clean-up interrupted; these images may be '
                               'left: %s' % ', '.join(
                                   '%s in %s' % k for k in left))

    def _discard(self, region, image_id, result):
        """Delete an image this run created if its status, read right
        before, is one of DISCARDABLE and no other run has joined it
        (logic.JOINED). Glance has no conditional delete: the one round
        trip between the read and the delete is the narrowest the API
        allows.
        """
        glance = self.regions.glance(region)
        try:
            image = glance.images.get(image_id)
            status = image['status']
            if status not in DISCARDABLE:
                self.reporter.note('Kept image %s in %s: it is %s'
                                   % (image_id, region, status))
                return
            if image.get(logic.JOINED):
                # That run follows the import: deleting the copy would
                # fail it ("deleted during the import").
                self.reporter.note('Kept image %s in %s: another run '
                                   'joined this copy' % (image_id, region))
                result.message = ('interrupted; kept the target image this '
                                  'run created: another run joined this '
                                  'copy (at %s) and follows its import'
                                  % image[logic.JOINED])
                return
            glance.images.delete(image_id)
        except glance_exc.HTTPNotFound:
            return
        except Exception as exc:
            self.reporter.note('Could not delete image %s in %s: %s'
                               % (image_id, region, describe_error(exc)))
            result.message += '; could not delete it: %s' % (
                describe_error(exc))
            return
        self.cleaned.append((region, image_id, status))
        result.status = logic.CANCELLED
        result.message = ('interrupted; deleted the target image this run '
                          'created (it was %s)' % status)
        self.reporter.note('Cleaned up: deleted image %s in %s (%s)'
                           % (image_id, region, status))

    # -- one job ------------------------------------------------------------

    def _result(self, source, region, **fields):
        return logic.Result(image=source.get('name') or source['id'],
                            source_id=source['id'], region=region, **fields)

    def copy_one(self, source, region):
        key = self.key(source, region)
        try:
            result = self._copy_one(source, region, key)
        except Exception as exc:
            result = self._result(source, region, status=logic.FAILED,
                                  message=describe_error(exc))
        self.reporter.finish(key, result.status, result.message)
        return result

    def check_region(self, region):
        """None when ``region`` offers glance-download, else why not."""
        with self._region_locks[region]:
            if region not in self._region_checks:
                self._region_checks[region] = self._check_region(region)
            return self._region_checks[region]

    def _check_region(self, region):
        if region.lower() == self.source_region.lower():
            return 'the target region is the source region'
        # The client that gives up after regions.check_timeout: a region
        # that does not answer fails its jobs alone, the others go on.
        glance = self.regions.checker(region)
        try:
            info = glance.images.get_import_info()
        except ks_exc.EndpointNotFound:
            return ('region %s has no image endpoint (interface %s) in the '
                    'catalog' % (region, self.regions.interface))
        except UNREACHABLE as exc:
            return 'region %s: %s' % (region, describe_error(exc))
        except (glance_exc.HTTPException, ks_exc.ClientException) as exc:
            return 'region %s: GET /v2/info/import failed: %s' % (
                region, describe_error(exc))
        except (AttributeError, TypeError, ValueError) as exc:
            # glanceclient's error parser itself fails on a JSON error body
            # not in OpenStack's shape ({"error": "..."} from a gateway in
            # front of Glance): one such region must not fail the others.
            return ('region %s: GET /v2/info/import failed with an error '
                    'answer glanceclient cannot read (%s)'
                    % (region, describe_error(exc)))
        methods = (info.get('import-methods') or {}).get('value') or []
        if logic.METHOD not in methods:
            return ('region %s does not offer the %s import method (it '
                    'offers: %s)' % (region, logic.METHOD,
                                     ', '.join(methods) or 'none'))
        return None

    def _copy_one(self, source, region, key):
        if self.stop.is_set():
            return self._result(source, region, status=logic.CANCELLED,
                                message='not started (interrupted)')
        problem = self.check_region(region)
        if problem:
            return self._result(source, region, status=logic.FAILED,
                                message=problem)
        glance = self.regions.glance(region)
        joined = None
        for _attempt in range(RACES):
            decision = logic.decide(
                source, self.source_region,
                candidates(glance, source, self.project_id),
                replace=self.replace,
                tasks_of=lambda image_id: import_tasks(glance, image_id),
                now=self.utcnow(), dead_after=self.dead_after)
            target_id = decision.image['id'] if decision.image else None
            if decision.action not in (logic.CREATE, logic.REPLACE,
                                       logic.RETRY) or self.dry_run:
                return self._settle(glance, source, region, key, decision,
                                    joined)
            if decision.action == logic.RETRY:
                before = import_tasks(glance, target_id)
                note = (joined or 'retried the left-over queued copy')
                break
            note = ''
            if decision.action == logic.REPLACE:
                try:
                    glance.images.delete(target_id)
                except glance_exc.HTTPNotFound:
                    pass    # a concurrent run replaced it first
                note = 'replaced the %s copy %s' % (
                    decision.image.get('status'), target_id)
                if decision.dead_task:
                    note += ' (its import was dead: task %s)' % (
                        decision.dead_task['id'])
            if self.stop.is_set():
                return self._result(source, region, status=logic.CANCELLED,
                                    message='not started (interrupted)')
            target, theirs = self._create(glance, source, region)
            if theirs is not None:
                joined = ('joined the copy %s that another run created at '
                          'the same time' % theirs['id'])
                continue
            target_id = target['id']
            result = self._result(source, region, target_id=target_id,
                                  status=logic.CANCELLED,
                                  message='interrupted')
            if not self._register(region, target_id, result):
                self._discard(region, target_id, result)
                return result
            before = []
            self.reporter.update(key, 'created image %s' % target_id)
            break
        else:
            return self._result(
                source, region, status=logic.FAILED,
                message='other runs kept creating and deleting copies of '
                'this image in %s meanwhile; run the command again' % region)
        if self.stop.is_set():
            return self._registered(region, target_id) or self._result(
                source, region, target_id=target_id, status=logic.CANCELLED,
                message='interrupted before the import was started')

        started = self.clock()
        try:
            # Retried on 5xx by keystoneauth (GlanceRegions.importer).
            self.regions.importer(region).images.image_import(
                target_id, method=logic.METHOD,
                remote_region=self.source_region,
                remote_image_id=source['id'],
                remote_service_interface=self.interface,
                **self.stores.import_args())
            known = {t['id'] for t in before}
        except glance_exc.HTTPConflict:
            # Another import holds the image: the one a first call started
            # before its 5xx answer was retried, or a concurrent run's.
            # Follow it, whatever it has come to since: it is a task that
            # was not finished before this call.
            note = 'followed an import that was already running'
            known = self._finished(before)
        except glance_exc.HTTPException as exc:
            if 500 <= (getattr(exc, 'code', None) or 0) < 600:
                return self._done(
                    source, region, target_id, logic.FAILED,
                    'the import call failed, also when retried: %s; the '
                    'queued copy is left: run the command again'
                    % describe_error(exc))
            return self._done(source, region, target_id, logic.FAILED,
                              'import refused: %s' % describe_error(exc))
        self.reporter.update(key, 'import started')
        if not self.wait:
            return self._done(source, region, target_id, logic.STARTED,
                              '; '.join(filter(None, (
                                  'import started; run the command again '
                                  'to follow and verify it', note))))
        return self._follow(glance, source, region, key, target_id, known,
                            note, started)

    def _in_stores(self, result, image):
        """``result`` of a verified copy, failed when it is not in every
        store that was chosen (an import with allow_failure goes active in
        the others), with where it is, store by store.
        """
        missing, report = self.stores.missing(image)
        if report:
            result.message = '; '.join(filter(None, (result.message,
                                                     report)))
        if missing:
            result.status = logic.FAILED
            result.message += '; %s' % self.stores.advice(image['id'],
                                                          missing)
        return result

    def _settle(self, glance, source, region, key, decision, joined):
        """A job whose decision needs no new copy: already there, a
        conflict, left alone, a dry run, or an import to follow.
        """
        target_id = decision.image['id'] if decision.image else None
        if decision.action == logic.PRESENT:
            return self._in_stores(self._result(
                source, region, target_id=target_id, status=logic.EXISTS,
                verified=True, message=decision.message), decision.image)
        if decision.action == logic.CONFLICT:
            return self._result(source, region, target_id=target_id,
                                status=logic.FAILED, verified=False,
                                message=decision.message)
        if decision.action == logic.LEAVE:
            return self._result(source, region, target_id=target_id,
                                status=logic.LEFT_ALONE,
                                message=decision.message)
        if decision.action == logic.DEAD:
            return self._result(source, region, target_id=target_id,
                                status=logic.FAILED,
                                message=decision.message)
        if self.dry_run:
            message = decision.message or (
                'would create %r (%s) and import it from %s'
                % (source.get('name'), self.visibility, self.source_region))
            return self._result(source, region, target_id=target_id,
                                status=logic.DRY_RUN_STATUS[decision.action],
                                message=message)
        # FOLLOW
        known = self._finished(import_tasks(glance, target_id))
        self.reporter.update(key, decision.message)
        if not self.wait:
            return self._result(source, region, target_id=target_id,
                                status=logic.STARTED,
                                message=decision.message)
        return self._follow(glance, source, region, key, target_id, known,
                            joined or 'followed an import started earlier')

    def _create(self, glance, source, region):
        """``(target, None)`` with the copy this run created, or ``(None,
        copy)`` with the one a concurrent run created first.

        Each copy is created with the id logic.copy_id() derives, so that
        Glance's database, not a list-then-create race, decides which of
        two runs makes it: the other gets 409. An id that is taken by an
        image this project cannot see, or by a deleted one (Glance never
        gives an id out twice), moves on to the next generation. With
        ``same_id`` the source's own id is asked for first.
        """
        fields = logic.target_fields(source, self.source_region,
                                     self.visibility, self.extra)
        ids = [logic.copy_id(source, self.source_region, region,
                             self.project_id, generation)
               for generation in range(logic.COPY_ID_GENERATIONS)]
        if self.same_id:
            ids.insert(0, source['id'])
        for image_id in ids:
            try:
                return dict(glance.images.create(id=image_id, **fields)), None
            except glance_exc.HTTPConflict:
                pass
            try:
                taken = dict(glance.images.get(image_id))
            except glance_exc.HTTPNotFound:
                continue
            if taken.get('owner') == self.project_id and logic.is_copy_of(
                    taken, source, self.source_region):
                return None, taken
        # Every generation is taken (images of other projects hold those
        # ids): Glance picks one; only concurrent runs can make two copies.
        return dict(glance.images.create(**fields)), None

    def _register(self, region, target_id, result):
        """Record an image this run created for the Ctrl-C clean-up;
        False when the clean-up has taken its list already, and the
        caller must delete the image itself (not leave it orphaned).
        """
        with self._lock:
            if self._cleaning:
                return False
            self._created[(region, target_id)] = result
            return True

    def _registered(self, region, target_id):
        with self._lock:
            return self._created.get((region, target_id))

    def _done(self, source, region, target_id, status, message, **fields):
        """The result of a job; the one registered for clean-up when this
        run created the target, so that Ctrl-C can amend it.
        """
        result = self._registered(region, target_id) or self._result(
            source, region, target_id=target_id)
        result.status = status
        result.message = message
        for name, value in fields.items():
            setattr(result, name, value)
        return result

    @staticmethod
    def _finished(tasks):
        """The ids of the tasks that have ended: any other one is the
        import that holds the image.
        """
        return {t['id'] for t in tasks
                if t['status'] in ('success', 'failure')}

    def _join(self, glance, region, target_id):
        """Mark a copy this run follows but did not create (logic.JOINED),
        so that a Ctrl-C of the run that created it keeps it; True when
        this run marked it.
        """
        if self._registered(region, target_id):
            return False
        try:
            glance.images.update(target_id, **{
                logic.JOINED: self.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ')})
        except glance_exc.HTTPNotFound:
            return False        # the follow reports it deleted
        except API_ERRORS as exc:
            self.reporter.note(
                'Could not mark image %s in %s as joined (%s): a Ctrl-C of '
                'the run that created it would delete it'
                % (target_id, region, describe_error(exc)))
            return False
        return True

    def _unjoin(self, glance, region, target_id):
        """Remove logic.JOINED once the import this run joined has ended:
        the copy is no longer anyone's to keep from a Ctrl-C.
        """
        try:
            glance.images.update(target_id, remove_props=[logic.JOINED])
        except glance_exc.HTTPNotFound:
            pass
        except API_ERRORS as exc:
            self.reporter.note('Could not remove %s from image %s in %s: %s'
                               % (logic.JOINED, target_id, region,
                                  describe_error(exc)))

    def _follow(self, glance, source, region, key, target_id, known, note,
                started=None):
        """Poll the target and its new import task until the import ended
        (or is dead); verify an active target against the source.
        """
        # Not osc_lib.utils.wait_for_status (deprecated; time.sleep): it
        # reads only the image's status, while a failed import sends the
        # image back to queued (neither success nor error) and says why on
        # its task, which also carries the progress; it has no timeout, no
        # stop for Ctrl-C, ends on the first failed poll, and verifies
        # nothing.
        started = self.clock() if started is None else started
        joined = self._join(glance, region, target_id)
        size = logic.size_mib(source)
        troubled_since = None
        while True:
            if self.stop.is_set():
                return self._done(source, region, target_id,
                                  logic.CANCELLED, 'stopped following '
                                  '(interrupted)')
            try:
                image = dict(glance.images.get(target_id))
                tasks = import_tasks(glance, target_id)
                troubled_since = None
            except glance_exc.HTTPNotFound:
                return self._done(source, region, target_id, logic.FAILED,
                                  'the target image was deleted during '
                                  'the import')
            except TRANSIENT as exc:
                # A restarting API or a busy database: the import itself
                # goes on in Glance; keep following for a while.
                troubled_since = troubled_since or self.clock()
                if self.clock() - troubled_since > self.patience:
                    return self._done(
                        source, region, target_id, logic.FAILED,
                        'lost track of the import for %d s (%s); it may '
                        'go on in Glance: run the command again to follow '
                        'it' % (self.patience, describe_error(exc)))
                self.reporter.update(key, 'retrying: %s'
                                     % describe_error(exc))
                self.stop.wait(max(self.poll, 1.0))
                continue
            new = [t for t in tasks if t['id'] not in known]
            task = max(new, key=lambda t: t.get('created_at') or '') \
                if new else None
            if task:
                progress = logic.task_progress(task.get('message'), size)
                text = task.get('message') or 'import %s' % task['status']
                if progress:
                    phase, done, total = progress
                    self.reporter.update(key, text, done, total)
                else:
                    self.reporter.update(key, text)
            elapsed = self.clock() - started
            ended = self._ended(source, region, target_id, image, task,
                                tasks, elapsed, note)
            if ended is not None:
                if joined and image.get(logic.JOINED):
                    self._unjoin(glance, region, target_id)
                return ended
            if self.timeout and elapsed > self.timeout:
                if task is None or task['status'] == 'pending':
                    advice = ('the import never started: Glance may have '
                              'lost its task; delete image %s and run the '
                              'command again' % target_id)
                else:
                    advice = ('the import goes on in Glance: run the '
                              'command again to follow it')
                return self._done(
                    source, region, target_id, logic.FAILED,
                    'not finished after %d s (task %s); %s'
                    % (elapsed, task['status'] if task else 'not created',
                       advice), seconds=elapsed)
            self.stop.wait(self.poll)

    def _ended(self, source, region, target_id, image, task, tasks, elapsed,
               note):
        """The result of an import that has ended, as one poll read it
        (``image``, its newest new ``task``, all its import ``tasks``):
        verified, failed, or dead; None while it goes on.
        """
        if image.get('status') == 'active':
            same, how = logic.verify(source, image)
            message = '; '.join(filter(None, (how, note)))
            if not same:
                return self._done(
                    source, region, target_id, logic.FAILED,
                    'copied, but %s; the copy is left active, delete '
                    'it' % message, verified=False, seconds=elapsed)
            return self._in_stores(self._done(
                source, region, target_id, logic.COPIED, message,
                verified=True, seconds=elapsed,
                mib_per_s=logic.throughput(source.get('size'), elapsed)),
                image)
        if image.get('status') not in ('queued', 'importing', 'uploading'):
            return self._done(source, region, target_id, logic.FAILED,
                              'the target image is %s'
                              % image.get('status'), seconds=elapsed)
        if (task and task['status'] == 'failure' and
                image.get('status') == 'queued' and
                image.get('os_glance_import_task') != task['id']):
            return self._done(
                source, region, target_id, logic.FAILED,
                'import failed: %s; the queued copy is left for a '
                'retry (run the command again) or delete it'
                % (task.get('message') or 'no reason given'),
                seconds=elapsed)
        dead = logic.dead_task(image, tasks, self.utcnow(), self.dead_after)
        if dead is not None:
            return self._done(source, region, target_id, logic.FAILED,
                              '%s; %s' % (logic.dead_reason(image, dead),
                                          logic.DEAD_ADVICE),
                              seconds=elapsed)
        return None
