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
 * The plugin's REST API (/api/glance_download/...).
 */
(function() {
  'use strict';

  angular
    .module('horizon.dashboard.glance-download')
    .factory('horizon.dashboard.glance-download.api', apiFactory);

  apiFactory.$inject = [
    'horizon.framework.util.http.service',
    'horizon.framework.widgets.toast.service'
  ];

  function apiFactory(apiService, toast) {
    var regions = null;

    return {
      regions: getRegions,
      copies: getCopies,
      start: startCopies
    };

    // Which regions offer glance-download does not change while the page
    // is open: asked once, for every row's allowed().
    function getRegions() {
      if (!regions) {
        regions = apiService.get('/api/glance_download/regions/')
          .then(function(response) { return response.data; });
      }
      return regions;
    }

    function getCopies(imageId, regionNames) {
      return apiService.get(
        '/api/glance_download/images/' + imageId + '/copies/',
        {params: {region: regionNames}})
        .then(function(response) { return response.data; });
    }

    function startCopies(imageId, request) {
      return apiService.post(
        '/api/glance_download/images/' + imageId + '/copies/', request)
        .then(function(response) { return response.data; })
        .catch(function(response) {
          toast.add('error', interpolate(
            gettext('Could not start the copies: %s'), [response.data]));
          throw response;
        });
    }
  }
})();
