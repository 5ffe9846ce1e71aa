"""Fixtures: every test gets its own store; file stores live in a fresh
temporary directory that pytest removes."""

import pytest

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2


def memory_config():
  config = metadata_store_pb2.ConnectionConfig()
  config.fake_database.SetInParent()
  return config


def file_config(path):
  config = metadata_store_pb2.ConnectionConfig()
  config.sqlite.filename_uri = str(path)
  return config


@pytest.fixture
def store():
  return metadata_store.MetadataStore(memory_config())


@pytest.fixture
def db_path(tmp_path):
  return tmp_path / 'mlmd.db'
