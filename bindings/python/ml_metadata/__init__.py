"""mlmd's drop-in `ml_metadata` package.

Code written for Google's ml_metadata imports this package unchanged:
`import ml_metadata as mlmd`, `mlmd.MetadataStore(config)`, the `errors`
module and the generated protos. Calls go in-process to the mlmd C library.
"""

# Before any _pb2 module: the generated C++ message classes, when they can
# be used (_cpp.py; MLMD_PYTHON_NO_CPP=1 turns them off).
from ml_metadata import _cpp
_cpp.load()

from ml_metadata import proto  # pylint: disable=g-import-not-at-top
from ml_metadata.metadata_store import downgrade_schema
from ml_metadata.metadata_store import ListOptions
from ml_metadata.metadata_store import MetadataStore
from ml_metadata.metadata_store import OrderByField
from ml_metadata.version import __version__
