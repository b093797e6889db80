# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""One region's glance-api: glance-api.conf, paste config, uWSGI options
and its database sync."""

import glob
import os

from gdcloud import keystone
from gdcloud import stores
from gdcloud import util
from gdcloud import uwsgi

# oslo.log's DEFAULT_LOG_LEVELS (oslo.log 8.3.2) plus our plugin at DEBUG,
# so the plugin's debug lines show without [DEFAULT] debug = True.
LOG_LEVELS = ','.join([
    'amqp=WARN', 'boto=WARN', 'sqlalchemy=WARN', 'suds=INFO',
    'oslo.messaging=INFO', 'oslo_messaging=INFO', 'iso8601=WARN',
    'requests.packages.urllib3.connectionpool=WARN',
    'urllib3.connectionpool=WARN', 'websocket=WARN',
    'requests.packages.urllib3.util.retry=WARN', 'urllib3.util.retry=WARN',
    'keystonemiddleware=WARN', 'routes.middleware=WARN', 'stevedore=WARN',
    'taskflow=WARN', 'keystoneauth=WARN', 'oslo.cache=INFO',
    'oslo_policy=INFO', 'dogpile.core.dogpile=INFO', 'glance_download=DEBUG',
])
SUBDIRS = ('images', 'staging', 'tasks', 'locks')


class GlanceApi(uwsgi.UwsgiService):
    """glance-api of REGION, named glance1, glance2... in the state dir.

    ``first``: the region's first node, when this is another node of the
    same region (glance2b): it shares that node's database and image
    store, as the nodes of a production region do, but has its own port,
    staging directory (Glance's distributed import forwards an import to
    the node that staged the data: ``worker_self_reference_url``), task
    store and locks; the first node syncs the database, and the catalog
    names the first node only.
    """

    def __init__(self, ctx, port, name, region, first=None):
        super().__init__(ctx, port)
        self.name = name
        self.region = region
        self.url = 'http://127.0.0.1:%d' % port
        self.first = first or self

    @property
    def db_name(self):
        return self.first.name

    @property
    def conf_dir(self):
        return os.path.join(self.ctx.state.etc, self.name)

    @property
    def db(self):
        return self.ctx.state.path(self.name, 'glance.db')

    @property
    def identities(self):
        # Under uWSGI its ini file, as the standalone command its conf dir
        # (gdcloud.glance_standalone): after GD_GLANCE_MODE changed, the
        # running server is still ours to restart.
        return [self.ini_path, self.conf_dir]

    def dirs(self):
        return [os.path.join(self.name, sub) for sub in SUBDIRS]

    def conf(self):
        settings = self.ctx.settings
        g = self.ctx.state.path(self.name)
        ports = sorted({80, 443, settings.web_port, settings.proxy_port,
                        settings.trap_port} | set(settings.all_glance_ports))
        keystone_url = 'http://127.0.0.1:%d' % settings.keystone_port
        enabled_backends, store_sections = stores.conf(self)
        # uwsgi's sys.executable is not a python (image_conversion's
        # resource-limit wrapper runs this one)
        wsgi = {'python_interpreter': self.ctx.venv.py}
        if settings.task_pool_threads is not None and \
                self.region == 'RegionTwo':
            wsgi['task_pool_threads'] = settings.task_pool_threads
        service_user = {
            'auth_url': keystone_url,
            'username': 'glance',
            'password': keystone.SERVICE_PASSWORD,
            'project_name': 'service',
            'user_domain_name': 'Default',
            'project_domain_name': 'Default',
        }
        conf = {
            'DEFAULT': {
                'debug': 'False',
                'default_log_levels': LOG_LEVELS,
                'enabled_backends': enabled_backends,
                'enabled_import_methods':
                    '[glance-direct,web-download,copy-image,glance-download]',
                'worker_self_reference_url': self.url,
                'public_endpoint': self.url,
            },
            'wsgi': wsgi,
            'database': {'connection': self.ctx.database.url(self.db_name)},
            'paste_deploy': {'flavor': 'keystone'},
            'keystone_authtoken': dict(
                www_authenticate_uri=keystone_url, auth_type='password',
                region_name=self.region,
                # keystonemiddleware 13's default, said out loud: a service
                # token counts (and lets an expired user token through)
                # only with the service role.
                service_token_roles_required='true', **service_user),
            **store_sections,
            'os_glance_staging_store': {
                'filesystem_store_datadir': '%s/staging/' % g},
            'os_glance_tasks_store': {
                'filesystem_store_datadir': '%s/tasks/' % g},
            'oslo_concurrency': {'lock_path': '%s/locks' % g},
            'import_filtering_opts': {
                'allowed_hosts': '[127.0.0.1,localhost]',
                'allowed_ports': '[%s]' % ','.join(map(str, ports)),
            },
            # Loopback copies of demo-sized images take a second or two:
            # report progress every second so it can be seen. Stalls are
            # noticed after 3 s and retried quickly, so the fault tests
            # (tests/functional/test_faults.py) stay short.
            # Glance's own metadata step reads extra_properties (ours is
            # extra_properties_prefixes): a broad one makes that step write
            # the source's os_hash_value, os_hash_algo and os_hidden into
            # the target as properties, which our metadata task must remove
            # (issue #14 item 9); every import here goes through that.
            'glance_download_properties': {
                'extra_properties': '[os_,hw_,trait:]',
                'extra_properties_prefixes':
                    '[hw_,trait:,os_distro,os_secure_boot,os_type]'},
            'glance_download': {'progress_interval': '1',
                                'read_timeout': '3',
                                'retry_delay': '0.5',
                                'max_retries': '3'},
        }
        if settings.convert and self.region == 'RegionTwo':
            # Glance's own import plugin, after the data is staged (by
            # glance-direct, web-download or glance-download alike).
            conf['image_import_opts'] = {
                'image_import_plugins': "['image_conversion']"}
            conf['image_conversion'] = {'output_format': settings.convert}
        if self.ctx.broker:
            # The publisher is the only part of a notification that names
            # its region: here both regions share one broker (production
            # regions each have their own).
            conf['DEFAULT']['default_publisher_id'] = 'image.%s' % \
                self.region
            conf['oslo_messaging_notifications'] = self.notifications()
        if settings.service_token and self.region == 'RegionTwo':
            conf['glance_download_service_user'] = dict(
                send_service_user_token='true', auth_type='password',
                **service_user)
        return util.ini(conf)

    def notifications(self):
        """Glance's notifications to the cloud's broker (GD_RABBITMQ=1), on
        exchange glance, topic notifications, as production regions send
        them to their message bus.
        """
        return {
            'driver': 'messagingv2',
            'transport_url': self.ctx.broker.transport_url(),
            # oslo.messaging's default, -1, retries for ever inside the API
            # request that sent the notification: with the broker down
            # every image call hangs (measured: > 20 s). With 0 the
            # notification is dropped and logged at once, and so is the
            # first one a worker sends on a connection a broker restart
            # broke; the replicator's periodic full pass catches what a
            # consumer of these events missed.
            'retry': '0',
        }

    def paste(self):
        paste = util.read(os.path.join(self.ctx.venv.path, 'etc', 'glance',
                                       'glance-api-paste.ini'))
        if paste is None:
            raise util.CloudError('no glance-api-paste.ini in %s/etc/glance'
                                  % self.ctx.venv.path)
        return paste

    def app_options(self):
        processes = self.ctx.settings.glance2_processes \
            if self.region == 'RegionTwo' else 2
        return [self.wsgi_app(),
                ('env', 'OS_GLANCE_CONFIG_DIR=%s' % self.conf_dir),
                ('processes', str(processes)),
                ('threads', '1')]

    def wsgi_app(self):
        """The uWSGI option that loads Glance's WSGI application.

        Glance 33 has the module glance.wsgi.api; 28-32 ship the script
        glance-wsgi-api (pbr's wsgi_scripts), which is what their
        deployments (devstack too) give uWSGI as wsgi-file.
        """
        if glob.glob(os.path.join(self.venv.path, 'lib', 'python*',
                                  'site-packages', 'glance', 'wsgi',
                                  'api.py')):
            return ('module', 'glance.wsgi.api:application')
        return ('wsgi-file', self.venv.bin('glance-wsgi-api'))

    def files(self):
        files = super().files()
        files['etc/%s/glance-api.conf' % self.name] = self.conf()
        files['etc/%s/glance-api-paste.ini' % self.name] = self.paste()
        return files

    def init(self):
        if self.first is not self:
            return None
        stamp_file = self.ctx.state.path(self.name, '.db-synced')
        if util.read(stamp_file) == 'yes' and \
                self.ctx.database.exists(self.name):
            return None
        proc = self.ctx.setup.start(
            '%s-db-sync' % self.name,
            [self.ctx.venv.bin('glance-manage'),
             '--config-dir', self.conf_dir, 'db', 'sync'])
        proc.gd_done = lambda: util.write(stamp_file, 'yes')
        return proc
