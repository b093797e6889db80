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

"""The plugin's REST API under Horizon's /api/ (openstack_dashboard.api.rest
pattern): which regions a copy can go to, start copies, and their state.

Starting a copy makes only API calls (create the target image, start its
glance-download import) and returns; the page then polls the state, which
is read from the target regions' images and import tasks every time, never
kept here, so a user may leave the page and come back.
"""

from concurrent import futures

from django.conf import settings
from django.views import generic
from glanceclient import exc as glance_exc
from openstack_dashboard.api.rest import urls
from openstack_dashboard.api.rest import utils as rest_utils

from glance_download.copying import copier
from glance_download.copying import logic
from glance_download.copying import state
from glance_download.dashboard import session

VISIBILITIES = ('private', 'shared', 'community', 'public')
# Regions checked at the same time: a catalog with regions that do not
# answer costs the check's timeout (GlanceRegions.check_timeout) once per
# this many of them, not once per region.
CHECKS_AT_ONCE = 8
START_BODY = ('{"regions": ["RegionTwo"], "visibility": "private", '
              '"replace": false}')


def remote_interface():
    """Which endpoint of the source region's Glance the target regions
    download from (glance_service_interface).
    """
    return getattr(settings, 'GLANCE_DOWNLOAD_REMOTE_INTERFACE', 'public')


def make_copier(request, **options):
    return copier.Copier(
        session.glance_regions(request), request.user.services_region,
        request.user.project_id, copier.SilentReporter(),
        interface=remote_interface(), wait=False, **options)


def check_regions(engine, regions):
    """``{region: reason}`` for ``regions``, asked at the same time;
    reason is None when the region offers glance-download.
    """
    regions = list(regions)
    if not regions:
        return {}
    with futures.ThreadPoolExecutor(
            max_workers=min(len(regions), CHECKS_AT_ONCE)) as pool:
        return dict(zip(regions, pool.map(engine.check_region, regions)))


def target_regions(request, engine):
    """``(region, reason)`` for every other region of the user's catalog;
    reason is None when the region offers glance-download.
    """
    source_region = request.user.services_region
    targets = [region for region in request.user.available_services_regions
               if region != source_region]
    reasons = check_regions(engine, targets)
    return [(region, reasons[region]) for region in targets]


def start_request(data):
    """``(regions, visibility, replace)`` of a start's body, the regions
    without repeats (the first spelling of each, whatever its case: copy
    ids are case-blind); AjaxError 400 saying what is expected, for a body
    of another shape.
    """
    if not isinstance(data, dict):
        raise rest_utils.AjaxError(
            400, 'the body must be a JSON object such as %s' % START_BODY)
    regions = data.get('regions', [])
    if not isinstance(regions, list) or not all(
            isinstance(region, str) for region in regions):
        raise rest_utils.AjaxError(
            400, '"regions" must be a list of region names, such as '
            '["RegionTwo"]')
    visibility = data.get('visibility', 'private')
    if visibility not in VISIBILITIES:
        raise rest_utils.AjaxError(400, 'visibility must be one of %s'
                                   % ', '.join(VISIBILITIES))
    replace = data.get('replace', False)
    if not isinstance(replace, bool):
        raise rest_utils.AjaxError(400, '"replace" must be true or false')
    return logic.unique_regions(regions), visibility, replace


def source_image(engine, image_id):
    glance = engine.regions.glance(engine.source_region)
    try:
        return dict(glance.images.get(image_id))
    except glance_exc.HTTPNotFound:
        raise rest_utils.AjaxError(
            404, 'no image %s in %s' % (image_id, engine.source_region))
    except copier.API_ERRORS as exc:
        raise rest_utils.AjaxError(502, 'region %s: %s' % (
            engine.source_region, copier.describe_error(exc)))


@urls.register
class Regions(generic.View):
    """The regions a copy can go to."""

    url_regex = r'glance_download/regions/$'

    @rest_utils.ajax()
    def get(self, request):
        engine = make_copier(request)
        return {'source_region': engine.source_region,
                'items': [{'name': region, 'offers': reason is None,
                           'reason': reason}
                          for region, reason in target_regions(request,
                                                               engine)]}


@urls.register
class Copies(generic.View):
    """The copies of one image: their state (GET), start some (POST)."""

    url_regex = r'glance_download/images/(?P<image_id>[^/]+)/copies/$'

    @rest_utils.ajax()
    def get(self, request, image_id):
        """The state in each region of ``?region=`` (repeated), or in every
        region that offers glance-download.
        """
        engine = make_copier(request)
        source = source_image(engine, image_id)
        wanted = request.GET.getlist('region') or [
            region for region, reason in target_regions(request, engine)
            if reason is None]
        # A region that cannot be asked is failed with the reason, the
        # others are read: one region down does not hide the rest.
        reasons = check_regions(engine, wanted)
        items = []
        for region in wanted:
            if reasons[region]:
                found = state.RegionState(region, state.FAILED,
                                          reasons[region])
            else:
                found = self.observe(engine, source, region)
            items.append(found.as_dict())
        return {'source_region': engine.source_region, 'image_id': image_id,
                'items': items}

    @staticmethod
    def observe(engine, source, region):
        try:
            return state.observe(engine.regions.glance(region), source,
                                 engine.source_region, engine.project_id,
                                 region)
        except copier.API_ERRORS as exc:
            return state.RegionState(
                region, state.FAILED, 'cannot read the copy: %s'
                % copier.describe_error(exc))

    @rest_utils.ajax(data_required=True)
    def post(self, request, image_id):
        """Start copies: ``{"regions": [...], "visibility": "private",
        "replace": false}``. One result per region: started, exists,
        failed or left-alone, with the reason.
        """
        wanted, visibility, replace = start_request(request.DATA)
        if not wanted:
            raise rest_utils.AjaxError(400, 'choose at least one region')
        engine = make_copier(request, visibility=visibility,
                             replace=replace)
        known = {region for region, _reason in target_regions(request,
                                                              engine)}
        unknown = [region for region in wanted if region not in known]
        if unknown:
            raise rest_utils.AjaxError(400, 'not a target region of your '
                                       'catalog: %s' % ', '.join(unknown))
        source = source_image(engine, image_id)
        problem = logic.source_problem(source)
        if problem:
            raise rest_utils.AjaxError(400, problem)
        return {'items': [{'region': r.region, 'status': r.status,
                           'message': r.message, 'target_id': r.target_id}
                          for r in engine.run([source], wanted)]}
