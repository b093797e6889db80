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

"""catalog.find_image_endpoint over v2 and v3 service catalogs."""

from glance_download import catalog
from glance_download import errors
from tests.unit import base
from tests.unit import fakes

R1 = {'public': 'https://r1.example/image',
      'internal': 'http://r1-int.example:9292',
      'admin': 'http://r1-adm.example:9292/v2'}
R2 = 'https://r2.example:9292/'


class CatalogTest(base.TestCase):

    def catalogs(self, *regions):
        return (('v2', fakes.catalog_v2(*regions)),
                ('v3', fakes.catalog_v3(*regions)))

    def test_each_interface_in_both_forms(self):
        expected = {
            ('RegionOne', 'public'): 'https://r1.example/image',
            ('RegionOne', 'internal'): 'http://r1-int.example:9292',
            ('RegionOne', 'admin'): 'http://r1-adm.example:9292',
            ('RegionTwo', 'public'): 'https://r2.example:9292'}
        for form, cat in self.catalogs(('RegionOne', R1), ('RegionTwo', R2)):
            self.assertEqual(expected, {
                (region, interface): catalog.find_image_endpoint(
                    cat, region, interface)
                for region, interface in expected}, form)

    def test_region_is_case_insensitive(self):
        for form, cat in self.catalogs(('RegionOne', R1)):
            self.assertEqual(
                'https://r1.example/image',
                catalog.find_image_endpoint(cat, 'regionONE', 'public'),
                form)

    def test_invalid_interface(self):
        exc = self.assertRaises(
            errors.ImportFailed, catalog.find_image_endpoint,
            fakes.catalog_v2(('RegionOne', R1)), 'RegionOne', 'publicURL')
        self.assertEqual("Unknown glance_service_interface 'publicURL': use "
                         "one of public, internal, admin.", str(exc))

    def test_no_region(self):
        exc = self.assertRaises(
            errors.ImportFailed, catalog.find_image_endpoint,
            fakes.catalog_v2(('RegionOne', R1)), None, 'public')
        self.assertEqual('No glance_region was given.', str(exc))

    def test_unknown_region_lists_regions_with_an_image_endpoint(self):
        for form, cat in self.catalogs(('RegionTwo', R2), ('RegionOne', R1),
                                       (None, 'http://noregion.example')):
            exc = self.assertRaises(errors.ImportFailed,
                                    catalog.find_image_endpoint, cat,
                                    'RegionThree', 'public')
            # RegionOne of the compute service is not listed in v2 either:
            # only regions with an *image* endpoint count.
            self.assertEqual(
                'Region RegionThree has no image endpoint in your service '
                'catalog. Regions with an image endpoint: RegionOne, '
                'RegionTwo.', str(exc), form)

    def test_no_image_service_at_all(self):
        cat = [{'type': 'compute', 'endpoints': [
            {'region': 'RegionOne', 'publicURL': 'http://nova'}]}]
        exc = self.assertRaises(errors.ImportFailed,
                                catalog.find_image_endpoint, cat,
                                'RegionOne', 'public')
        self.assertIn('Regions with an image endpoint: none.', str(exc))

    def test_region_without_the_requested_interface(self):
        for form, cat in self.catalogs(
                ('RegionOne', {'public': 'http://r1/',
                               'internal': 'http://r1-int/'})):
            exc = self.assertRaises(errors.ImportFailed,
                                    catalog.find_image_endpoint, cat,
                                    'RegionOne', 'admin')
            self.assertEqual('Region RegionOne has no admin image endpoint '
                             'in your service catalog (it has: internal, '
                             'public).', str(exc), form)

    def test_empty_or_missing_catalog(self):
        for cat in (None, []):
            exc = self.assertRaises(errors.ImportFailed,
                                    catalog.find_image_endpoint, cat,
                                    'RegionOne', 'public')
            self.assertIn('The request carried no service catalog', str(exc))
            self.assertIn('include_service_catalog', str(exc))

    def test_url_normalisation(self):
        for url, root in (
                ('http://g:9292', 'http://g:9292'),
                ('http://g:9292/', 'http://g:9292'),
                ('http://g:9292/v2', 'http://g:9292'),
                ('http://g:9292/v2/', 'http://g:9292'),
                ('http://g:9292/v2.1', 'http://g:9292'),
                ('https://g/image', 'https://g/image'),
                ('https://g/image/', 'https://g/image'),
                ('https://g/image/v2/', 'https://g/image'),
                ('https://g/image/v2.0', 'https://g/image'),
                ('https://g/v2image', 'https://g/v2image')):
            self.assertEqual(root, catalog.api_root(url), url)
            cat = fakes.catalog_v2(('RegionOne', url))
            self.assertEqual(root, catalog.find_image_endpoint(
                cat, 'RegionOne', 'public'), url)


class GlanceStepTest(base.TestCase):
    """check_glance_step: what Glance's own metadata step will request."""

    def check(self, cat, region='RegionOne', interface='public'):
        return catalog.check_glance_step(fakes.context('tok', cat), region,
                                         interface)

    def refused(self, cat, region='RegionOne', interface='public'):
        return str(self.assertRaises(errors.ImportFailed, self.check, cat,
                                     region, interface))

    def test_urls_glance_can_use(self):
        # A trailing slash makes Glance request //v2/images/<id>, which
        # Glance serves (tried on the local cloud), so it is let through.
        for url in ('http://g:9292', 'http://g:9292/', 'https://g/image',
                    'https://g/image/', 'https://g/v2image'):
            self.assertIsNone(self.check(fakes.catalog_v2(
                ('RegionOne', url), ('RegionTwo', 'http://g2:9292/v2')),
                region='regionONE'), url)

    def test_version_suffix(self):
        for url, root in (('http://g:9292/v2', 'http://g:9292'),
                          ('http://g:9292/v2/', 'http://g:9292'),
                          ('http://g:9292/v2.1', 'http://g:9292'),
                          ('https://g/image/v2.0', 'https://g/image'),
                          ('http://g:9292/v1', 'http://g:9292')):
            message = self.refused(fakes.catalog_v2(('RegionOne', {
                'public': 'http://ok:9292', 'internal': url})),
                interface='internal')
            self.assertEqual(
                'The internal image endpoint of region RegionOne in your '
                'service catalog is %s: it ends in an API version, and '
                "Glance's own first step of glance-download, which cannot "
                'be replaced, adds /v2/images/<id> to it as it is '
                '(%s/v2/images/<id>, which does not exist). Ask the cloud '
                'operator to register the endpoint without the version: '
                '`openstack endpoint set --url %s <endpoint id>` '
                '(`openstack endpoint list --service image --region '
                'RegionOne --interface internal` shows the id).'
                % (url, url.rstrip('/'), root), message, url)

    def test_first_entry_of_the_region_lacks_the_interface(self):
        # Region names that differ only in case: Glance reads the first
        # entry, which has no public URL; ours would find the second.
        cat = fakes.catalog_v2(
            ('RegionOne', {'internal': 'http://int:9292'}),
            ('regionone', {'public': 'http://pub:9292'}))
        message = self.refused(cat, region='regionone')
        self.assertIn("Glance's own first step of glance-download, which "
                      'cannot be replaced, would not use the public image '
                      'endpoint of region regionone in your service catalog '
                      '(http://pub:9292): it reads the first entry of region '
                      'regionone there, whose public URL is missing.',
                      message)

    def test_glance_would_read_another_endpoint(self):
        # keystoneauth1 prefers an entry's region_id over its region; the
        # plain loop of Glance reads 'region' only.
        cat = fakes.catalog_v2(('RegionOne', 'http://theirs:9292'))
        images = cat[1]['endpoints']
        images.insert(0, {'region': 'Elsewhere', 'region_id': 'RegionOne',
                          'publicURL': 'http://ours:9292'})
        message = self.refused(cat)
        self.assertIn('would not use the public image endpoint of region '
                      'RegionOne in your service catalog (http://ours:9292)'
                      ': it reads the first entry of region RegionOne '
                      'there, whose public URL is http://theirs:9292.',
                      message)

    def test_endpoint_without_region_before_the_region(self):
        # keystonemiddleware's v2 form of an endpoint that has no region.
        cat = fakes.catalog_v2((None, 'http://noregion:9292'),
                               ('RegionOne', 'http://g:9292'))
        message = self.refused(cat)
        self.assertIn('lists an image endpoint without a region before the '
                      'public image endpoint of region RegionOne',
                      message)
        # After it, Glance never reaches it.
        cat = fakes.catalog_v2(('RegionOne', 'http://g:9292'),
                               (None, 'http://noregion:9292'))
        self.assertIsNone(self.check(cat))

    def test_v3_form_is_not_what_glance_reads(self):
        # Glance's step reads only the v2 form keystonemiddleware passes.
        message = self.refused(fakes.catalog_v3(('RegionOne',
                                                 'http://g:9292')))
        self.assertIn('whose public URL is missing', message)
