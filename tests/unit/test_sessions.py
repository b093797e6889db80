"""sessions: TLS settings of the session to the source."""

from glance_download import opts
from glance_download import sessions
from tests.unit import base
from tests.unit import fakes


class SessionTest(base.TestCase):

    def session(self, **tls):
        self.config(group=opts.TRANSFER_GROUP, **tls)
        return sessions.anonymous(base.CONF)

    def test_defaults_verify_with_system_cas(self):
        session = self.session()
        self.assertIs(True, session.verify)
        self.assertIsNone(session.cert)
        self.assertIsNone(session.auth)

    def test_cafile(self):
        self.assertEqual('/etc/ca.pem', self.session(cafile='/etc/ca.pem')
                         .verify)

    def test_insecure_wins_over_cafile(self):
        self.assertIs(False, self.session(cafile='/etc/ca.pem',
                                          insecure=True).verify)

    def test_client_certificate_and_key(self):
        self.assertEqual(('/c.pem', '/k.pem'),
                         self.session(certfile='/c.pem',
                                      keyfile='/k.pem').cert)

    def test_client_certificate_alone(self):
        self.assertEqual('/c.pem', self.session(certfile='/c.pem').cert)

    def test_for_caller_uses_the_callers_token(self):
        session = sessions.for_caller(fakes.context('tok-1'), base.CONF)
        self.assertEqual({'X-Auth-Token': 'tok-1'},
                         session.get_auth_headers())
