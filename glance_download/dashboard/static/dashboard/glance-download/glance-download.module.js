/**
 * "Copy to regions": a row and detail action of Horizon's images panel
 * (the OS::Glance::Image resource type), backed by the REST views of
 * glance_download.dashboard.rest.
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
    .run(registerAction);

  config.$inject = ['$provide', '$windowProvider'];

  function config($provide, $windowProvider) {
    $provide.constant('horizon.dashboard.glance-download.basePath',
      $windowProvider.$get().STATIC_URL + 'dashboard/glance-download/');
  }

  registerAction.$inject = [
    'horizon.framework.conf.resource-type-registry.service',
    'horizon.app.core.images.resourceType',
    'horizon.dashboard.glance-download.copy.service'
  ];

  function registerAction(registry, imageResourceType, copyService) {
    // itemActions are both the table's row menu and the details page's.
    registry.getResourceType(imageResourceType).itemActions.append({
      id: 'glanceDownloadCopyAction',
      service: copyService,
      template: {text: gettext('Copy to regions')}
    });
  }
})();
