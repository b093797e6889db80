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
 * The copy dialog: the target regions, the visibility of the copies and
 * whether to replace a differing copy; then one progress bar per region,
 * fed by polling the copies' state (copy-state service: read from Glance
 * each time, so the dialog shows the same when opened again later).
 */
(function() {
  'use strict';

  angular
    .module('horizon.dashboard.glance-download')
    .controller('horizon.dashboard.glance-download.CopyController',
      CopyController);

  CopyController.$inject = [
    '$scope',
    'horizon.dashboard.glance-download.api',
    'horizon.dashboard.glance-download.copy-state',
    'image'
  ];

  function CopyController($scope, api, states, image) {
    var ctrl = this;
    var copies = states.tracker(image.id);

    ctrl.image = image;
    ctrl.copies = copies;
    ctrl.visibility = 'private';
    ctrl.replace = false;
    ctrl.starting = false;
    ctrl.chosen = chosen;
    ctrl.start = start;
    ctrl.running = function(r) { return states.running(r.state); };

    $scope.$on('$destroy', copies.stop);
    copies.load();

    function chosen() {
      return copies.rows.filter(function(r) { return r.selected; });
    }

    function start() {
      var names = chosen().map(function(r) { return r.name; });
      ctrl.starting = true;
      api.start(image.id, {regions: names, visibility: ctrl.visibility,
                           replace: ctrl.replace})
        .then(function(data) {
          data.items.forEach(function(result) {
            var r = copies.row(result.region);
            r.selected = false;
            r.state = {state: result.status, message: result.message,
                       target_id: result.target_id,
                       done_mib: result.status === 'exists' ? 1 : 0,
                       total_mib: 1};
          });
          copies.schedule();
        })
        .finally(function() { ctrl.starting = false; });
    }
  }
})();
