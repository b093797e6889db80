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

"""``openstack image replicate`` and ``openstack image replication
status``: one reconcile pass of a policy file, and where it stands."""

from osc_lib.command import command
from osc_lib import exceptions

from glance_download.osc import options
from glance_download.replication import engine
from glance_download.replication import plan
from glance_download.replication import policy as policy_mod

POLICY_HELP = ('The policy file (YAML): which images of a source region '
               'are kept in which regions, and how their copies follow '
               'the source. See the replication guide for its keys.\n'
               'Example: --policy /etc/glance-download/policies.yaml')

REPLICATE_DESCRIPTION = """\
Bring the regions in step with a replication policy file, once.

For each policy: list the source region's images (once) and each target
region's copies (once), then, for every image the policy selects and every
target region, do what brings that region in step:

- copy an image that has no copy there (glance-download, verified as
  ``openstack image copy`` does, with its lineage properties and the
  property glance_download_policy naming the policy);
- set on a copy the properties of the source whose names start with the
  policy's ``follow: properties`` prefixes, and remove those the source no
  longer has; follow os_hidden, deactivation and reactivation;
- retire the copies of images that were deleted or no longer match the
  policy (hide, delete or keep them, per policy, after its grace period;
  the first pass that misses a source records when, in the property
  glance_download_source_missing_since);
- with ``supersede: true``, hide the copies of older images that a newer
  image of the same name replaced.

Only copies owned by your project are looked at, and only those a policy
made are ever retired. Running it again does nothing more; running it
while another run, or the glance-download-replicator service, works on
the same images is safe: each copy is made once.

One row per (policy, image, region): State is in step, out of step,
copying, waiting, failed, left alone, pending retirement or retired;
Action what this run did (or would do, with --dry-run); Result how it
went; Detail why. The exit status is 1 when an action failed or a region
is failed.
"""

REPLICATE_EPILOG = """\
Examples::

  openstack image replicate --policy policies.yaml --dry-run
  openstack image replicate --policy policies.yaml
  openstack image replicate --policy policies.yaml --no-wait -f json"""

STATUS_DESCRIPTION = """\
Show where every image of a replication policy file stands in each
target region, read from Glance's own records: the copies' lineage and
policy properties and their import tasks. Changes nothing.

State is one of: in step (an active copy with the source's data and
properties), out of step (a copy the next pass will update, deactivate or
reactivate), copying N % (an import under way), waiting (no copy yet, or
the source is not active), failed (why), left alone (why), pending
retirement (when), retired.
"""

STATUS_EPILOG = """\
Examples::

  openstack image replication status --policy policies.yaml
  openstack image replication status --policy policies.yaml -f json"""


def load_policies(path):
    try:
        return policy_mod.load(path)
    except policy_mod.PolicyError as exc:
        raise exceptions.CommandError(str(exc))


def _state(item):
    if item.state == plan.COPYING and item.percent is not None:
        return '%s %d %%' % (item.state, item.percent)
    return item.state


class _PolicyCommand(command.Lister):

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.formatter_class = options.HelpFormatter
        parser.add_argument('--policy', metavar='<file>', required=True,
                            help=POLICY_HELP)
        return parser

    def replicator(self, parsed_args, **kwargs):
        manager = self.app.client_manager
        return engine.Replicator(
            manager.image_copy, manager.session.get_project_id(),
            load_policies(parsed_args.policy), **kwargs)


class Replicate(_PolicyCommand):
    _description = REPLICATE_DESCRIPTION
    _epilog = REPLICATE_EPILOG

    COLUMNS = ('Policy', 'Image', 'Source ID', 'Region', 'State', 'Action',
               'Result', 'Detail', 'Target ID')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--dry-run', action='store_true',
            help='Show the plan: what is in step and what would be done; '
                 'change nothing.\n'
                 'Example: openstack image replicate --policy p.yaml '
                 '--dry-run')
        parser.add_argument(
            '--no-wait', dest='wait', action='store_false',
            help='Start the copies\' imports without following them; the '
                 'next run verifies them (replication status shows how far '
                 'they are).\n'
                 'Example: openstack image replicate --policy p.yaml '
                 '--no-wait')
        parser.add_argument(
            '--parallel', metavar='<n>', type=options.positive_int,
            default=4,
            help='At most this many copies at once (default: 4).\n'
                 'Example: --parallel 8')
        parser.add_argument(
            '--per-region', metavar='<n>', type=options.positive_int,
            default=2,
            help='At most this many copies at once into one region '
                 '(default: 2): what one region\'s staging area and '
                 'network take.\n'
                 'Example: --per-region 4')
        return parser

    def take_action(self, parsed_args):
        replicator = self.replicator(parsed_args, wait=parsed_args.wait,
                                     parallel=parsed_args.parallel,
                                     per_region=parsed_args.per_region)
        outcomes = replicator.run(dry_run=parsed_args.dry_run)
        failed = any(o.done is False or o.item.state == plan.FAILED
                     for o in outcomes)
        self.exit_code = 1 if failed else 0
        return self.COLUMNS, [(
            o.item.policy, o.item.name, o.item.source_id, o.item.region,
            _state(o.item),
            ('would %s' % o.item.action if parsed_args.dry_run
             else o.item.action) if o.item.action else '',
            o.result, o.item.message, o.target_id or o.item.target_id)
            for o in outcomes]

    def run(self, parsed_args):
        self.exit_code = 0
        super().run(parsed_args)
        return self.exit_code


class ReplicationStatus(_PolicyCommand):
    _description = STATUS_DESCRIPTION
    _epilog = STATUS_EPILOG

    COLUMNS = ('Policy', 'Image', 'Source ID', 'Region', 'State', 'Detail',
               'Target ID')

    def take_action(self, parsed_args):
        replicator = self.replicator(parsed_args)
        return self.COLUMNS, [(
            item.policy, item.name, item.source_id, item.region,
            _state(item), item.message, item.target_id)
            for item, _source in replicator.plan()]
