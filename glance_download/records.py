"""What the server plugin leaves in Glance for clients to read.

The plugin runs inside glance-api; ``openstack image copy``, the dashboard
and the tempest plugin read what it wrote through Glance's API. The names
and formats they share are defined here once, in a module that imports
nothing, so that the client side can use it without any server code.
"""

# The hash the downloaded data was verified against: "<os_hash_algo>:<hex
# digest>" of the source image (or "md5:<checksum>"). Users cannot write
# os_glance_* properties (Glance's API refuses that namespace to everyone),
# so a client may trust it: an image whose own size and hash differ from the
# source's (converted by an import plugin such as image_conversion) was
# made from the source's verified data.
VERIFIED_HASH = 'os_glance_download_verified_hash'
