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
 * Where an image's copies stand, one row per other region of the catalog:
 * shared by the copy dialog and the image's "Regions" details view, so
 * that both ask the same REST calls and say the same words for a state.
 * Nothing is kept here between pages: every answer is read from Glance.
 */
(function() {
  'use strict';

  angular
    .module('horizon.dashboard.glance-download')
    .factory('horizon.dashboard.glance-download.copy-state', copyState);

  copyState.$inject = [
    '$timeout',
    'horizon.dashboard.glance-download.api'
  ];

  var POLL_MS = 2000;
  var RUNNING = ['importing', 'waiting', 'started'];

  function copyState($timeout, api) {
    return {
      tracker: tracker,
      running: running,
      percent: percent,
      label: label
    };

    /**
     * The rows of one image's copies: ``load()`` lists the other regions
     * (with why a region cannot be used) and reads the state in those
     * that offer glance-download; ``refresh(names)`` reads it again, and
     * goes on every POLL_MS while a copy is under way, until ``stop()``.
     */
    function tracker(imageId) {
      var timer = null;
      var t = {
        sourceRegion: null,
        rows: [],
        loading: true,
        error: null,
        load: load,
        row: row,
        refresh: refresh,
        schedule: schedule,
        stop: stop
      };
      return t;

      function load() {
        return api.regions().then(function(data) {
          t.sourceRegion = data.source_region;
          t.rows = data.items.map(function(region) {
            return {name: region.name, offers: region.offers,
                    reason: region.reason, selected: false, state: null};
          });
          return refresh(offeredNames());
        }, function(response) {
          t.error = response.data;
        }).finally(function() { t.loading = false; });
      }

      function offeredNames() {
        return t.rows.filter(function(r) { return r.offers; })
          .map(function(r) { return r.name; });
      }

      function row(name) {
        return t.rows.filter(function(r) { return r.name === name; })[0];
      }

      function refresh(names) {
        $timeout.cancel(timer);
        if (!names.length) {
          return null;
        }
        return api.copies(imageId, names).then(function(data) {
          t.error = null;
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
        }, function(response) {
          // Shown until an answer comes; the rows keep their last state.
          t.error = response.data;
          schedule();
        });
      }

      function schedule() {
        var names = t.rows.filter(function(r) { return running(r.state); })
          .map(function(r) { return r.name; });
        if (names.length) {
          timer = $timeout(function() { refresh(names); }, POLL_MS);
        }
      }

      function stop() {
        $timeout.cancel(timer);
      }
    }

    function running(s) {
      return Boolean(s) && RUNNING.indexOf(s.state) >= 0;
    }

    function percent(s) {
      if (!s || !s.total_mib) {
        return 0;
      }
      return Math.min(100, Math.round(100 * (s.done_mib || 0) / s.total_mib));
    }

    function label(s) {
      if (!s) {
        return '';
      }
      if (s.state === 'none') {
        return gettext('No copy');
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
