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
 * The "Regions" view of an image's details page: read-only, the state of
 * the image's copy in every other region of the catalog (the copy dialog's
 * rows and words: copy-state service), and, for an image that is itself a
 * copy, where it was copied from and which replication policy keeps it.
 */
(function() {
  'use strict';

  angular
    .module('horizon.dashboard.glance-download')
    .controller('horizon.dashboard.glance-download.RegionsController',
      RegionsController);

  RegionsController.$inject = [
    '$scope',
    'horizon.dashboard.glance-download.copy-state'
  ];

  // The properties a copy carries (glance_download.copying.logic and
  // glance_download.replication.plan).
  var ORIGIN_REGION = 'glance_download_source_region';
  var ORIGIN_ID = 'glance_download_source_id';
  var POLICY = 'glance_download_policy';

  function RegionsController($scope, states) {
    var ctrl = this;
    var destroyed = false;

    ctrl.copies = null;
    ctrl.origin = null;
    ctrl.policy = null;

    $scope.$on('$destroy', function() {
      destroyed = true;
      if (ctrl.copies) {
        ctrl.copies.stop();
      }
    });

    $scope.context.loadPromise.then(function(response) {
      var image = response.data;
      ctrl.origin = origin(image);
      ctrl.policy = property(image, POLICY);
      // Left before the image came: no polling for a page that is gone.
      if (!destroyed) {
        ctrl.copies = states.tracker(image.id);
        ctrl.copies.load();
      }
    });

    function origin(image) {
      var region = property(image, ORIGIN_REGION);
      var id = property(image, ORIGIN_ID);
      var text;
      if (region && id) {
        text = gettext('Copied from region %(region)s, image %(id)s.');
      } else if (region) {
        text = gettext('Copied from region %(region)s.');
      } else if (id) {
        text = gettext('Copied from image %(id)s.');
      } else {
        return null;
      }
      return interpolate(text, {region: region, id: id}, true);
    }
  }

  /**
   * A custom property of the image. The details views share one image
   * object, and Horizon's Overview view rewrites its ``properties`` from
   * a mapping into a list of ``{name, value}`` when it gets the image
   * first: both are read.
   */
  function property(image, name) {
    var props = image.properties || {};
    if (angular.isArray(props)) {
      var found = props.filter(function(p) { return p.name === name; })[0];
      return found ? found.value : null;
    }
    return props[name] || null;
  }
})();
