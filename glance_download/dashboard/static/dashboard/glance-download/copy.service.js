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
