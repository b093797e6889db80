/*
 * Licensed under the Apache License, Version 2.0 (the "License"); you may
 * not use this file except in compliance with the License. You may obtain
 * a copy of the License at
 *
 *      http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 * WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
 * License for the specific language governing permissions and limitations
 * under the License.
 */
/**
 * "Copy to regions": a row and detail action of Horizon's images panel
 * (the OS::Glance::Image resource type) and a "Regions" view of its
 * details page, backed by the REST views of glance_download.dashboard.rest.
 */
(function() {
  'use strict';

  angular
    .module('horizon.dashboard.glance-download', [
      'horizon.framework.conf',
      'horizon.app.core.images',
      'ui.bootstrap'
    ])
    .config(config)
    .run(register);

  config.$inject = ['$provide', '$windowProvider'];

  function config($provide, $windowProvider) {
    $provide.constant('horizon.dashboard.glance-download.basePath',
      $windowProvider.$get().STATIC_URL + 'dashboard/glance-download/');
  }

  register.$inject = [
    'horizon.framework.conf.resource-type-registry.service',
    'horizon.app.core.images.resourceType',
    'horizon.dashboard.glance-download.basePath',
    'horizon.dashboard.glance-download.copy.service'
  ];

  function register(registry, imageResourceType, basePath, copyService) {
    var images = registry.getResourceType(imageResourceType);
    // itemActions are both the table's row menu and the details page's.
    images.itemActions.append({
      id: 'glanceDownloadCopyAction',
      service: copyService,
      template: {text: gettext('Copy to regions')}
    });
    // A tab after Horizon's Overview (horizon.app.core.images.details
    // runs first: a module this one depends on).
    images.detailsViews.append({
      id: 'glanceDownloadRegions',
      name: gettext('Regions'),
      template: basePath + 'regions.html'
    });
  }
})();
