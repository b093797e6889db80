"""The local two-region cloud behind tools/cloud (its --help says what it
runs). One module per job:

    cli        the command line             cloud     up/status/down/logs
    settings   GD_* environment             state     the state directory
    venv       the venv and child env       procs     set-up commands;
    service    what a server has in common            services by PID
    uwsgi      servers under uWSGI          sqlite    the databases
    keystone   Keystone, users              glance    a region's glance-api
    faultproxy RegionFaulty's proxy         catalog   the Keystone catalog
    plugin     install and check the plugin clients   rc files, clouds.yaml
    horizon    Horizon with the dashboard   horizon_tests  tools/dashboard
               plugin (tools/dashboard)                test

catalog_apply.py runs inside the venv (keystoneauth1); uwsgi_imports/ is
imported by every uWSGI worker; smoke is a shell smoke test of a running
cloud. Stdlib only: the package runs before the venv exists.
"""
