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
 * The action: offered on an active image when some other region of the
 * user's catalog offers glance-download; opens the copy dialog.
 */
(function() {
  'use strict';

  angular
    .module('horizon.dashboard.glance-download')
    .factory('horizon.dashboard.glance-download.copy.service', copyService);

  copyService.$inject = [
    '$q',
    '$uibModal',
    'horizon.dashboard.glance-download.api',
    'horizon.dashboard.glance-download.basePath'
  ];

  function copyService($q, $uibModal, api, basePath) {
    return {
      allowed: allowed,
      perform: perform
    };

    function allowed(image) {
      if (image.status !== 'active') {
        return $q.reject();
      }
      return api.regions().then(function(data) {
        var offered = data.items.some(function(r) { return r.offers; });
        return offered ? true : $q.reject();
      });
    }

    function perform(image) {
      return $uibModal.open({
        templateUrl: basePath + 'copy-modal.html',
        controller: 'horizon.dashboard.glance-download.CopyController',
        controllerAs: 'ctrl',
        backdrop: 'static',
        resolve: {image: function() { return image; }}
      }).result.catch(angular.noop);
    }
  }
})();
