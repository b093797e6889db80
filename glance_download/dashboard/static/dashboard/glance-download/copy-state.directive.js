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
 * <div gd-copy-state="row.state"></div>: one region's copy as a progress
 * bar and its words (copy-state service), the same markup in the copy
 * dialog and in the image's "Regions" details view.
 */
(function() {
  'use strict';

  angular
    .module('horizon.dashboard.glance-download')
    .directive('gdCopyState', gdCopyState);

  gdCopyState.$inject = [
    'horizon.dashboard.glance-download.basePath',
    'horizon.dashboard.glance-download.copy-state'
  ];

  function gdCopyState(basePath, states) {
    return {
      restrict: 'A',
      scope: {state: '<gdCopyState'},
      templateUrl: basePath + 'copy-state.html',
      link: function(scope) {
        scope.running = states.running;
        scope.percent = states.percent;
        scope.label = states.label;
      }
    };
  }
})();
