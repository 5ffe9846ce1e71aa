"""The MetadataStore class and its list options."""

from ml_metadata.metadata_store.metadata_store import downgrade_schema
from ml_metadata.metadata_store.metadata_store import ExtraOptions
from ml_metadata.metadata_store.metadata_store import ListOptions
from ml_metadata.metadata_store.metadata_store import MetadataStore
from ml_metadata.metadata_store.metadata_store import OrderByField
