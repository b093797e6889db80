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
        for form, cat in self.catalogs(('RegionOne', R1), ('RegionTwo', R2)):
            self.assertEqual(
                'https://r1.example/image',
                catalog.find_image_endpoint(cat, 'RegionOne', 'public'),
                form)
            self.assertEqual(
                'http://r1-int.example:9292',
                catalog.find_image_endpoint(cat, 'RegionOne', 'internal'),
                form)
            self.assertEqual(
                'http://r1-adm.example:9292',
                catalog.find_image_endpoint(cat, 'RegionOne', 'admin'),
                form)
            self.assertEqual(
                'https://r2.example:9292',
                catalog.find_image_endpoint(cat, 'RegionTwo', 'public'),
                form)

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
