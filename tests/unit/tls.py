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

"""A real HTTPS server on 127.0.0.1 with a private CA, made per test run.

``HttpsServer`` serves ``/data`` over TLS with a server certificate signed
by a CA of its own (so no system trust store knows it), asks every client
for a certificate (optional, as a server that accepts client certificates
does) and records, per request, whether the client offered one.
``Certificates`` writes the CA, the server's and a client's certificate
and key as PEM files, as an operator would configure them.
"""

import datetime
import http.server
import ipaddress
import os
import ssl
import threading

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID
import fixtures

DATA = b'0123456789' * 1000


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _issue(subject, key, issuer, issuer_key, ca=False, ip=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                              critical=True))
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                          crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False,
                          key_agreement=False, encipher_only=False,
                          decipher_only=False), critical=True)
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM)


class Certificates(fixtures.Fixture):
    """PEM files: ``ca``, ``server_cert``/``server_key``,
    ``client_cert``/``client_key`` (the client's, signed by the same CA).
    """

    def _setUp(self):
        directory = self.useFixture(fixtures.TempDir()).path
        ca_key = ec.generate_private_key(ec.SECP256R1())
        files = {'ca': _issue('Test CA', ca_key, 'Test CA', ca_key, ca=True)}
        for who, ip in (('server', '127.0.0.1'), ('client', None)):
            key = ec.generate_private_key(ec.SECP256R1())
            files[who + '_cert'] = _issue(who, key, 'Test CA', ca_key, ip=ip)
            files[who + '_key'] = _pem_key(key)
        for name, content in files.items():
            path = os.path.join(directory, name + '.pem')
            with open(path, 'wb') as f:
                f.write(content)
            setattr(self, name, path)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.client_certs.append(bool(self.connection.getpeercert()))
        self.send_response(200)
        self.send_header('Content-Length', str(len(DATA)))
        self.end_headers()
        self.wfile.write(DATA)


class HttpsServer(fixtures.Fixture):
    """``url`` answers ``DATA`` at ``/data``; ``client_certs`` lists, per
    request, whether the client offered a certificate.
    """

    def __init__(self, certificates, max_tls=None):
        super().__init__()
        self.certificates = certificates
        self.max_tls = max_tls

    def _setUp(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificates.server_cert,
                                self.certificates.server_key)
        context.load_verify_locations(self.certificates.ca)
        context.verify_mode = ssl.CERT_OPTIONAL
        if self.max_tls is not None:
            context.maximum_version = self.max_tls
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.client_certs = []
        self.client_certs = server.client_certs
        self.port = server.server_address[1]
        self.url = 'https://127.0.0.1:%d/data' % self.port
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
