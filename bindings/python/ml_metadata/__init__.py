"""mlmd's drop-in `ml_metadata` package.

Code written for Google's ml_metadata imports this package unchanged:
`import ml_metadata as mlmd`, `mlmd.MetadataStore(config)`, the `errors`
module and the generated protos. Calls go in-process to the mlmd C library.
"""

from ml_metadata import proto
from ml_metadata.metadata_store import downgrade_schema
from ml_metadata.metadata_store import ListOptions
from ml_metadata.metadata_store import MetadataStore
from ml_metadata.metadata_store import OrderByField
from ml_metadata.version import __version__
