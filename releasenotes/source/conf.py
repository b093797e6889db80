"""Sphinx configuration of the release notes (tox -e releasenotes).

reno's directive reads the notes from git history, so the notes shown are
the committed ones of the checked-out branch.
"""

extensions = [
    'openstackdocstheme',
    'reno.sphinxext',
]

project = 'glance-download Release Notes'
copyright = 'glance-download team'
master_doc = 'index'
# Versions come from git tags, through reno: nothing to set here.
release = ''
version = ''

openstackdocs_repo_name = 'openstack/glance-download'
openstackdocs_auto_name = False
openstackdocs_use_storyboard = False

html_theme = 'openstackdocs'
html_use_index = False
