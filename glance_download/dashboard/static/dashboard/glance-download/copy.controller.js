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
 * fed by polling the copies' state (read from Glance each time, so the
 * dialog shows the same when opened again later).
 */
(function() {
  'use strict';

  angular
    .module('horizon.dashboard.glance-download')
    .controller('horizon.dashboard.glance-download.CopyController',
      CopyController);

  CopyController.$inject = [
    '$scope',
    '$timeout',
    'horizon.dashboard.glance-download.api',
    'image'
  ];

  var POLL_MS = 2000;
  var RUNNING = ['importing', 'waiting', 'started'];

  function CopyController($scope, $timeout, api, image) {
    var ctrl = this;
    var timer = null;

    ctrl.image = image;
    ctrl.visibility = 'private';
    ctrl.replace = false;
    ctrl.rows = [];
    ctrl.loading = true;
    ctrl.starting = false;
    ctrl.chosen = chosen;
    ctrl.start = start;
    ctrl.percent = percent;
    ctrl.running = running;
    ctrl.label = label;

    $scope.$on('$destroy', function() { $timeout.cancel(timer); });

    api.regions().then(function(data) {
      ctrl.sourceRegion = data.source_region;
      ctrl.rows = data.items.map(function(region) {
        return {name: region.name, offers: region.offers,
                reason: region.reason, selected: false, state: null};
      });
      return refresh(offeredNames());
    }).finally(function() { ctrl.loading = false; });

    function offeredNames() {
      return ctrl.rows.filter(function(row) { return row.offers; })
        .map(function(row) { return row.name; });
    }

    function row(name) {
      return ctrl.rows.filter(function(r) { return r.name === name; })[0];
    }

    function running(r) {
      return r.state !== null && RUNNING.indexOf(r.state.state) >= 0;
    }

    function chosen() {
      return ctrl.rows.filter(function(r) { return r.selected; });
    }

    function refresh(names) {
      $timeout.cancel(timer);
      if (!names.length) {
        return null;
      }
      return api.copies(image.id, names).then(function(data) {
        data.items.forEach(function(item) {
          var r = row(item.region);
          // "already there" is what the start said: keep the words.
          if (r.state && r.state.state === 'exists' &&
              item.state === 'copied') {
            return;
          }
          r.state = item;
        });
        schedule();
      }, schedule);
    }

    function schedule() {
      var names = ctrl.rows.filter(running).map(function(r) {
        return r.name;
      });
      if (names.length) {
        timer = $timeout(function() { refresh(names); }, POLL_MS);
      }
    }

    function start() {
      var names = chosen().map(function(r) { return r.name; });
      ctrl.starting = true;
      api.start(image.id, {regions: names, visibility: ctrl.visibility,
                           replace: ctrl.replace})
        .then(function(data) {
          data.items.forEach(function(result) {
            var r = row(result.region);
            r.selected = false;
            r.state = {state: result.status, message: result.message,
                       target_id: result.target_id,
                       done_mib: result.status === 'exists' ? 1 : 0,
                       total_mib: 1};
          });
          schedule();
        })
        .finally(function() { ctrl.starting = false; });
    }

    function percent(r) {
      if (!r.state || !r.state.total_mib) {
        return 0;
      }
      return Math.min(100, Math.round(
        100 * (r.state.done_mib || 0) / r.state.total_mib));
    }

    function label(r) {
      var s = r.state;
      if (!s || s.state === 'none') {
        return '';
      }
      var words = {
        started: gettext('Import started'),
        waiting: gettext('Waiting'),
        importing: gettext('Copying'),
        failed: gettext('Failed'),
        'left-alone': gettext('Left alone')
      }[s.state] || s.state;
      if (s.state === 'copied' || s.state === 'exists') {
        // "copied, verified (sha512 equal)", "already there (...)": the
        // message says it all, with the comparison made.
        return s.message.charAt(0).toUpperCase() + s.message.slice(1);
      }
      // A started import's own message is the command line's advice.
      return s.message && s.state !== 'started' ?
        words + ': ' + s.message : words;
    }
  }
})();
