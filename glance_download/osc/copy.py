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

"""``openstack image copy``: copy images to other regions with
glance-download."""

import logging

from osc_lib.command import command
from osc_lib import exceptions

from glance_download.copying import copier
from glance_download.copying import logic
from glance_download.osc import options
from glance_download.osc import progress

LOG = logging.getLogger(__name__)

DESCRIPTION = """\
Copy images to other regions with the glance-download import method.

For each target region, concurrently: check that the region offers
glance-download (GET /v2/info/import), create an image with the source's
name, disk and container formats, min_disk, min_ram and tags (private
unless --visibility says otherwise), ask that region's Glance to import the
source's data from the source region, follow the import, and compare the
copy's os_hash_value and size with the source's.

Every copy records where it came from in three properties::

  glance_download_source_region  the source region
  glance_download_source_id      the source image ID
  glance_download_source_hash    <os_hash_algo>:<os_hash_value> of the source

So running the same command again copies nothing twice: an active,
verified copy is reported as "exists" ("already there"), an import under
way is followed, a queued copy left by a failed or interrupted run is
imported into again, a killed one is deleted and replaced. A copy that is
deactivated, being uploaded into (uploading, saving) or pending delete is
not touched, and nothing is copied next to it: its row says "left-alone"
and why.

An import is dead when its task has not changed for --dead-after seconds
(default 3600, Glance's own import lock expiry; twice that for a task still
pending): a glance-api restarted or killed during the import leaves its
task "processing" and the copy "importing" for good, and Glance never
imports into such a copy again. A copy whose import is dead is not
followed: its row says failed, why, and that --replace deletes it and
copies again. An import that dies while it is being followed ends the
same way.

Progress goes to stderr: a live line per copy in a terminal, timestamped
lines otherwise. The result is one row per (image, region): Status is
copied, exists, started (--no-wait), failed, left-alone, cancelled, or
would-copy, would-retry, would-replace, would-follow (--dry-run). The exit
status is 1 when any copy failed or was left alone, 130 after Ctrl-C.
Ctrl-C stops following the imports and deletes the target images this run
created that are still queued or importing (the server-side plugin then
stops their downloads); each image is read again right before its delete,
so a copy that has become active is kept, and so is one that another run
has joined: a run that follows a copy it did not create marks it with the
property glance_download_joined (the time, UTC) until the import ends.
"""

EPILOG = """\
Examples::

  openstack image copy cirros-0.6 --to-region RegionTwo
  openstack image copy --from-region RegionOne --public \\
      --to-region RegionTwo --to-region RegionThree --dry-run
  openstack image copy --tag golden --to-region RegionTwo -f json"""


class CopyImage(command.Lister):
    _description = DESCRIPTION
    _epilog = EPILOG

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.formatter_class = options.HelpFormatter
        parser.add_argument(
            'images', metavar='<image>', nargs='*',
            help='Source image(s) to copy, by name or ID; several may be '
                 'given, and combined with --public, --tag, --property.\n'
                 'Example: openstack image copy cirros-0.6 '
                 '3b0fb94f-397a-4d7d-949d-ef2f32ff311c --to-region '
                 'RegionTwo')
        parser.add_argument(
            '--to-region', metavar='<region>', dest='to_regions',
            action='append', required=True,
            help='Region to copy to (repeat for several; they are copied '
                 'to concurrently; names differing only in case are one '
                 'region).\n'
                 'Example: --to-region RegionTwo --to-region RegionThree')
        parser.add_argument(
            '--from-region', metavar='<region>',
            help='Region of the source images (default: the current region, '
                 '--os-region-name / OS_REGION_NAME).\n'
                 'Example: --from-region RegionOne')
        selection = parser.add_argument_group(
            'bulk selection',
            'Select source images in the source region by what they are:\n'
            'all the criteria given must hold, only active images count.\n'
            'Combine with --dry-run to see the selection first.')
        selection.add_argument(
            '--public', action='store_true',
            help='Select the public images.\n'
                 'Example: --public --to-region RegionTwo')
        selection.add_argument(
            '--tag', metavar='<tag>', dest='tags', action='append',
            default=[],
            help='Select the images with this tag (repeat: images with all '
                 'the tags).\n'
                 'Example: --tag golden --tag ubuntu')
        selection.add_argument(
            '--property', metavar='<key=value>', dest='properties',
            action='append', default=[],
            help='Select the images with this property value (repeat: all '
                 'must match).\n'
                 'Example: --property os_distro=ubuntu')
        parser.add_argument(
            '--visibility', default='private',
            choices=('private', 'shared', 'community', 'public'),
            help='Visibility of the copies (default: private, whatever the '
                 'source\'s; public needs the right to publish images).\n'
                 'Example: --visibility shared')
        parser.add_argument(
            '--remote-service-interface', default='public',
            choices=('public', 'internal', 'admin'),
            help='Which catalog endpoint of the source region\'s Glance the '
                 'target regions download from (default: public; always '
                 'sent, as glance_service_interface).\n'
                 'Example: --remote-service-interface internal')
        parser.add_argument(
            '--replace', action='store_true',
            help='Replace an active copy (of this project) whose data '
                 'differs from the source\'s, or a copy whose import is '
                 'dead (see --dead-after): delete it and copy again. '
                 'Without it such a copy is left and its row says failed.\n'
                 'Example: openstack image copy cirros-0.6 --to-region '
                 'RegionTwo --replace')
        parser.add_argument(
            '--dead-after', metavar='<seconds>', type=options.seconds,
            default=logic.DEAD_AFTER,
            help='Call an import dead when its task has not changed for '
                 'this long (twice as long while pending). Default: %d, '
                 'Glance\'s import lock expiry, after which Glance itself '
                 'lets another import take the image. A running import '
                 'writes its task every few seconds while data arrives, so '
                 'a lower value finds the imports of a restarted glance-api '
                 'sooner; keep it above the longest step of your Glance '
                 'that writes nothing (converting a large image, for '
                 'one). Compared with this machine\'s clock.\n'
                 'Example: --dead-after 600' % logic.DEAD_AFTER)
        stores = parser.add_argument_group(
            'stores',
            'Which stores of each target region the copies go to (Glance\'s\n'
            'multiple stores, enabled_backends; default: the region\'s\n'
            'default store). A copy that is not in every chosen store\n'
            'fails, and its row says which stores have it.')
        stores.add_argument(
            '--store', metavar='<store>', dest='stores', action='append',
            default=[],
            help='Copy into this store (repeat for several).\n'
                 'Example: --store fast --store ceph')
        stores.add_argument(
            '--all-stores', action='store_true',
            help='Copy into every store of each target region.\n'
                 'Example: --all-stores --to-region RegionTwo')
        failure = stores.add_mutually_exclusive_group()
        failure.add_argument(
            '--allow-failure', dest='allow_failure', action='store_true',
            default=True,
            help='With --store or --all-stores: the copy goes active in '
                 'the stores that took it, and its row lists those that '
                 'failed (default; Glance\'s all_stores_must_succeed = '
                 'false).\n'
                 'Example: --all-stores --allow-failure')
        failure.add_argument(
            '--disallow-failure', dest='allow_failure',
            action='store_false',
            help='With --store or --all-stores: one store failing fails '
                 'the whole import (all_stores_must_succeed = true).\n'
                 'Example: --store fast --store ceph --disallow-failure')
        parser.add_argument(
            '--parallel', metavar='<n>', type=options.positive_int, default=4,
            help='At most this many copies at once (default: 4).\n'
                 'Example: --parallel 8')
        parser.add_argument(
            '--no-wait', dest='wait', action='store_false',
            help='Only start the imports; status "started". Running the '
                 'same command again later follows them and verifies.\n'
                 'Example: openstack image copy cirros-0.6 --to-region '
                 'RegionTwo --no-wait')
        parser.add_argument(
            '--dry-run', action='store_true',
            help='Show what would be copied where (and what is already '
                 'there); change nothing.\n'
                 'Example: openstack image copy --public --to-region '
                 'RegionTwo --dry-run')
        parser.add_argument(
            '--timeout', metavar='<seconds>', type=options.seconds,
            help='Stop following a copy after this long and report it '
                 'failed; its import goes on in Glance (default: no '
                 'limit).\n'
                 'Example: --timeout 3600')
        return parser

    def take_action(self, parsed_args):
        manager = self.app.client_manager
        source_region = parsed_args.from_region or manager.region_name
        if not source_region:
            raise exceptions.CommandError(
                'No source region: give --from-region or --os-region-name '
                '(OS_REGION_NAME).')
        try:
            filters = logic.list_filters(
                parsed_args.public, parsed_args.tags,
                logic.parse_properties(parsed_args.properties))
        except logic.SelectionError as exc:
            raise exceptions.CommandError(str(exc))
        if parsed_args.stores and parsed_args.all_stores:
            raise exceptions.CommandError(
                'Give --store or --all-stores, not both.')
        if not parsed_args.images and filters is None:
            raise exceptions.CommandError(
                'Nothing to copy: give image names or IDs, or select with '
                '--public, --tag or --property.')
        regions = logic.unique_regions(parsed_args.to_regions)

        session = manager.session
        engine = copier.Copier(
            manager.image_copy, source_region, session.get_project_id(),
            progress.make_reporter(),
            visibility=parsed_args.visibility,
            interface=parsed_args.remote_service_interface,
            wait=parsed_args.wait, dry_run=parsed_args.dry_run,
            parallel=parsed_args.parallel, timeout=parsed_args.timeout,
            replace=parsed_args.replace, dead_after=parsed_args.dead_after,
            stores=logic.Stores(tuple(parsed_args.stores),
                                parsed_args.all_stores,
                                parsed_args.allow_failure))
        try:
            sources, problems = engine.select(parsed_args.images, filters)
        except copier.API_ERRORS as exc:
            raise exceptions.CommandError(
                'Source region %s: %s' % (source_region,
                                          copier.describe_error(exc)))
        results = [logic.Result(image=label, source_id=source_id,
                                region=region, status=logic.FAILED,
                                message=reason)
                   for label, source_id, reason in problems
                   for region in regions]
        if not sources and not problems:
            LOG.warning('No image in %s matches the selection.',
                        source_region)
        results.extend(engine.run(sources, regions))
        self.exit_code = logic.exit_code(results, engine.interrupted)
        return logic.COLUMNS, [r.row() for r in results]

    def run(self, parsed_args):
        self.exit_code = 0
        super().run(parsed_args)
        return self.exit_code
