"""The model registry's entities, as mlmd's Python API shows them.

RegisteredModel and ModelVersion have the attribute names of MLflow's
classes of the same names (mlflow.entities.model_registry): name, version,
description, tags (a dict), aliases, source, run_id, creation_timestamp
(ms), user_id. mlmd adds what its registry has and MLflow's lacks: the
artifact a version points at (artifact_id, digest, the ml_metadata Artifact),
alias policies, alias requests with their approvals, and the alias history.
Each keeps the mlmd.governance message it was built from as .proto.
"""

from mlmd.proto import mlmd_governance_pb2 as gpb

_Status = gpb.AliasRequest.Status

# The request statuses' names (what the CLI and JSON print).
STATUS_NAMES = {
    _Status.PENDING: 'pending',
    _Status.APPROVED: 'approved',
    _Status.REJECTED: 'rejected',
    _Status.SUPERSEDED: 'superseded',
}


def _opt(msg, field, none_when_zero=True):
  """A field's value, None when absent (or zero, for ids and versions)."""
  if not msg.HasField(field):
    return None
  v = getattr(msg, field)
  return None if none_when_zero and v == 0 else v


def _digest(artifact):
  """The model artifact's SHA-256 (hex, without "sha256:"): its `digest`
  property (as `mlmd model add` records it), else mlmd.sha256 (tracking's
  files); None when it has neither."""
  for props in (artifact.properties, artifact.custom_properties):
    if 'digest' in props and props['digest'].HasField('string_value'):
      d = props['digest'].string_value
      return d[len('sha256:'):] if d.startswith('sha256:') else d
  p = artifact.custom_properties
  if 'mlmd.sha256' in p and p['mlmd.sha256'].HasField('string_value'):
    return p['mlmd.sha256'].string_value
  return None


class ModelVersion(object):
  """One version of a registered model.

  MLflow's attributes: name, version (an int: 1, 2, 3...), source (the
  model artifact's URI), run_id (the producing run's id, a decimal string,
  or None), tags (dict), aliases (the aliases naming it now, sorted),
  description, creation_timestamp (ms), user_id (who created it),
  current_stage ("None": mlmd has aliases, not stages), status ("READY").
  mlmd's: artifact_id (int), digest (the artifact's SHA-256 hex, or None),
  artifact (the ml_metadata Artifact, when the answer carried it),
  context_id (its mlmd.ModelVersion context), alias (the alias it was
  resolved through, for resolve() and get_model_version_by_alias()).
  """

  def __init__(self, mv, alias=None):
    self.proto = mv
    self.name = mv.model_name
    self.version = mv.version
    self.artifact_id = mv.artifact_id
    run = _opt(mv, 'run_id')
    self.run_id = None if run is None else str(run)
    self.tags = {t.key: t.value for t in mv.tags}
    self.aliases = list(mv.aliases)
    self.description = mv.description or None
    self.creation_timestamp = _opt(mv, 'create_time_ms', False)
    self.last_updated_timestamp = self.creation_timestamp
    self.user_id = mv.creator or None
    self.context_id = mv.context_id
    self.current_stage = 'None'
    self.status = 'READY'
    self.alias = alias
    if mv.HasField('artifact'):
      self.artifact = mv.artifact
      self.source = mv.artifact.uri or None
      self.digest = _digest(mv.artifact)
    else:
      self.artifact = None
      self.source = None
      self.digest = None

  def __repr__(self):
    return ('<ModelVersion: name=%r, version=%r, artifact_id=%r, run_id=%r, '
            'aliases=%r, tags=%r>' % (self.name, self.version,
                                      self.artifact_id, self.run_id,
                                      self.aliases, self.tags))


class AliasPolicy(object):
  """A policy on (model, alias): moving the alias takes a request with
  `approvals` approvals from distinct actors other than the requester, and
  every requirement (`require`, a dict KEY -> VALUE) holding for the
  target version; set by `actor` at `timestamp` (ms)."""

  def __init__(self, p):
    self.proto = p
    self.name = p.model_name
    self.alias = p.alias
    self.approvals = p.approvals
    self.require = {r.key: r.value for r in p.require}
    self.actor = p.actor or None
    self.timestamp = _opt(p, 'time_ms', False)

  def __repr__(self):
    return '<AliasPolicy: name=%r, alias=%r, approvals=%r, require=%r>' % (
        self.name, self.alias, self.approvals, self.require)


class Review(object):
  """One actor's decision on a request: approved (True) or the rejection
  (False), with its comment and time (ms)."""

  def __init__(self, a):
    self.actor = a.actor
    self.approved = a.approve
    self.comment = a.comment or None
    self.timestamp = _opt(a, 'time_ms', False)

  def __repr__(self):
    return '<Review: actor=%r, approved=%r, comment=%r>' % (
        self.actor, self.approved, self.comment)


class AliasRequest(object):
  """A request to move aliases of a model.

  request_id (also .id), name (the model), moves (a dict alias -> version;
  version None: remove the alias), alias and version (of the first move, the
  usual single-alias request), requester, comment, status ("pending",
  "approved", "rejected" or "superseded"), approvals (distinct approving
  actors so far), approvals_needed, approvers (their names), reviews (every
  approval and the rejection, by time: Review), creation_timestamp and
  decision_timestamp (ms; None while pending).
  """

  def __init__(self, r):
    self.proto = r
    self.request_id = r.request_id
    self.id = r.request_id
    self.name = r.model_name
    self.moves = {m.alias: (m.version or None) for m in r.moves}
    first = r.moves[0] if r.moves else None
    self.alias = first.alias if first is not None else None
    self.version = (first.version or None) if first is not None else None
    self.requester = r.requester
    self.comment = r.comment or None
    self.status = STATUS_NAMES.get(r.status, str(r.status))
    self.approvals = r.approvals_count
    self.approvals_needed = r.approvals_needed
    self.reviews = [Review(a) for a in r.approvals]
    self.approvers = [a.actor for a in r.approvals if a.approve]
    self.creation_timestamp = _opt(r, 'create_time_ms', False)
    self.decision_timestamp = _opt(r, 'decide_time_ms')

  def __repr__(self):
    return ('<AliasRequest: request_id=%r, name=%r, moves=%r, status=%r, '
            'approvals=%r/%r, requester=%r>' % (
                self.request_id, self.name, self.moves, self.status,
                self.approvals, self.approvals_needed, self.requester))


class AliasHistoryEntry(object):
  """One move of one alias, as kept forever: name, alias, old_version and
  new_version (None: the alias did not exist / was removed), timestamp
  (ms), actor (who made the move: the last approver for a request),
  request_id (None for a direct move), approvers (the request's approving
  actors), id (orders moves within one millisecond)."""

  def __init__(self, e):
    self.proto = e
    self.name = e.model_name
    self.alias = e.alias
    self.old_version = e.old_version or None
    self.new_version = e.new_version or None
    self.timestamp = e.time_ms
    self.actor = e.actor
    self.request_id = e.request_id or None
    self.approvers = list(e.approvers)
    self.id = e.id

  def __repr__(self):
    return ('<AliasHistoryEntry: name=%r, alias=%r, %r -> %r, timestamp=%r, '
            'actor=%r, request_id=%r>' % (
                self.name, self.alias, self.old_version, self.new_version,
                self.timestamp, self.actor, self.request_id))


class RegisteredModel(object):
  """A registered model.

  MLflow's attributes: name, description, tags (dict), aliases (a dict
  alias -> version), creation_timestamp (ms), last_updated_timestamp,
  latest_versions (a list holding the latest ModelVersion, when the answer
  listed versions). mlmd's: latest_version (the highest version number;
  0: none yet), versions (every ModelVersion), policies (AliasPolicy),
  open_requests (pending AliasRequest), context_id. versions, aliases,
  policies and open_requests are filled by get_registered_model() only
  (search_registered_models() lists models without them).
  """

  def __init__(self, m):
    self.proto = m
    self.name = m.name
    self.description = m.description or None
    self.tags = {t.key: t.value for t in m.tags}
    self.creation_timestamp = _opt(m, 'create_time_ms', False)
    self.last_updated_timestamp = self.creation_timestamp
    self.latest_version = m.latest_version
    self.context_id = m.context_id
    self.versions = [ModelVersion(v) for v in m.versions]
    self.aliases = {a.alias: a.version for a in m.aliases}
    self.policies = [AliasPolicy(p) for p in m.policies]
    self.open_requests = [AliasRequest(r) for r in m.open_requests]
    self.latest_versions = [v for v in self.versions
                            if v.version == m.latest_version]

  def __repr__(self):
    return ('<RegisteredModel: name=%r, latest_version=%r, aliases=%r, '
            'tags=%r>' % (self.name, self.latest_version, self.aliases,
                          self.tags))
