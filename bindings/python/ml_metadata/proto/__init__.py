"""ml_metadata protos, with the message classes MLMD re-exports here."""

from ml_metadata.proto import metadata_store_pb2
from ml_metadata.proto import metadata_store_service_pb2

Artifact = metadata_store_pb2.Artifact
ArtifactType = metadata_store_pb2.ArtifactType
Association = metadata_store_pb2.Association
Attribution = metadata_store_pb2.Attribution
ConnectionConfig = metadata_store_pb2.ConnectionConfig
Context = metadata_store_pb2.Context
ContextType = metadata_store_pb2.ContextType
Event = metadata_store_pb2.Event
Execution = metadata_store_pb2.Execution
ExecutionType = metadata_store_pb2.ExecutionType
FakeDatabaseConfig = metadata_store_pb2.FakeDatabaseConfig
MetadataStoreClientConfig = metadata_store_pb2.MetadataStoreClientConfig
MySQLDatabaseConfig = metadata_store_pb2.MySQLDatabaseConfig
ParentContext = metadata_store_pb2.ParentContext
PostgreSQLDatabaseConfig = metadata_store_pb2.PostgreSQLDatabaseConfig
SqliteMetadataSourceConfig = metadata_store_pb2.SqliteMetadataSourceConfig
