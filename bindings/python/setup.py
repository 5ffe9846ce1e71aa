"""Packaging of the ml_metadata binding and the mlmd tracking package.

Plain setuptools with no pyproject.toml, so `pip install bindings/python`
builds with the setuptools already installed and needs no network. Run
`make` in the mlmd tree first: it generates the _pb2 modules and copies
libmlmd.so (and, when it can build it, the _cpp_messages accelerator)
next to the package, and they are installed with it.
"""

import os
import setuptools

HERE = os.path.dirname(os.path.abspath(__file__))
version = {}
with open(os.path.join(HERE, 'ml_metadata', 'version.py')) as f:
  exec(f.read(), version)  # pylint: disable=exec-used

for needed in ('ml_metadata/proto/metadata_store_pb2.py',
               'ml_metadata/proto/metadata_store_service_pb2.py',
               'ml_metadata/simple_types/proto/simple_types_pb2.py',
               'mlmd/proto/mlmd_tracking_pb2.py',
               'mlmd/proto/mlmd_governance_pb2.py',
               'mlmd/proto/mlmd_testing_pb2.py'):
  if not os.path.exists(os.path.join(HERE, needed)):
    raise SystemExit('%s is missing: run `make` in the mlmd source tree first'
                     % needed)

setuptools.setup(
    name='ml-metadata-mlmd',
    version=version['__version__'],
    description=('Drop-in ml_metadata package over the mlmd C library '
                 '(in-process, or a gRPC client of mlmd serve), and mlmd, '
                 "experiment tracking with MLflow's fluent API, a model registry with approvals, "
                 'a tamper-evident audit log and data governance'),
    license='Apache-2.0',
    python_requires='>=3.8',
    install_requires=['protobuf>=3.20'],
    packages=['ml_metadata', 'ml_metadata.proto',
              'ml_metadata.metadata_store', 'ml_metadata.simple_types',
              'ml_metadata.simple_types.proto', 'mlmd', 'mlmd.proto'],
    package_data={'ml_metadata': ['libmlmd.so', '_cpp_messages*.so']},
    # mlmd.testing's fixtures (mlmd_store, mlmd_store_path, mlmd_graph) in
    # every pytest run once the package is installed.
    entry_points={'pytest11': ['mlmd.testing = mlmd.testing']},
)
