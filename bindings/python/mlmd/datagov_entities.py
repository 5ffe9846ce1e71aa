"""Data governance's entities, as mlmd's Python API shows them: tombstones
and a deletion's result, retention policies and a run's report, effective
labels and label entries, impact analysis, the compaction's result, and the
exception a model blocked by the serving gate raises.

Kinds are the strings 'artifact', 'execution', 'context'; times are ms since
the epoch (None where the store says "none": no until-time, no reason).
Each entity built from a message keeps it as .proto.
"""

from ml_metadata import errors
from mlmd.proto import mlmd_governance_pb2 as gpb

KIND_NAMES = {
    gpb.ARTIFACT: 'artifact',
    gpb.EXECUTION: 'execution',
    gpb.CONTEXT: 'context',
}
KINDS = {v: k for k, v in KIND_NAMES.items()}


def kind_name(k):
  """A wire NodeKind as 'artifact', 'execution' or 'context' (None for
  NODE_KIND_UNSPECIFIED)."""
  return KIND_NAMES.get(k)


class Tombstone(object):
  """A deleted node: kind, id, type_id, type (its type's name), timestamp
  (when it was deleted, ms), actor (who deleted it), reason (None when none
  was given). The node's row, id and the events through it stay; its
  name, URI and properties are gone."""

  def __init__(self, t):
    self.proto = t
    self.kind = kind_name(t.kind)
    self.id = t.id
    self.type_id = t.type_id
    self.type = t.type
    self.timestamp = t.delete_time_ms
    self.actor = t.actor or None
    self.reason = t.reason or None

  def __repr__(self):
    return '<Tombstone: kind=%r, id=%r, type=%r, actor=%r, reason=%r>' % (
        self.kind, self.id, self.type, self.actor, self.reason)


class DeleteResult(object):
  """delete()'s answer: tombstones (the nodes deleted, or with dry_run the
  ones that would be, in ascending id order; also len() and iteration),
  dry_run, and the counts properties_removed (property and custom property
  rows), events_kept (events through the deleted nodes),
  memberships_removed (attributions, associations, parent-context links)
  and metric_points_removed; gc, the GcResult of delete(gc=True) (else
  None)."""

  def __init__(self, r, dry_run):
    self.proto = r
    self.dry_run = bool(dry_run)
    self.tombstones = [Tombstone(t) for t in r.deleted]
    self.ids = [t.id for t in self.tombstones]
    self.properties_removed = r.properties_removed
    self.events_kept = r.events_kept
    self.memberships_removed = r.memberships_removed
    self.metric_points_removed = r.metric_points_removed
    self.gc = None

  def __len__(self):
    return len(self.tombstones)

  def __iter__(self):
    return iter(self.tombstones)

  def __repr__(self):
    return ('<DeleteResult: ids=%r, dry_run=%r, properties_removed=%r, '
            'events_kept=%r, memberships_removed=%r, '
            'metric_points_removed=%r>' % (
                self.ids, self.dry_run, self.properties_removed,
                self.events_kept, self.memberships_removed,
                self.metric_points_removed))


class RetentionPolicy(object):
  """A type's retention policy: kind, type (the type's name), type_id,
  max_age (ms; None: no age limit), keep_last (None: no count limit), actor
  (who set it) and timestamp (when, ms)."""

  def __init__(self, p):
    self.proto = p
    self.kind = kind_name(p.kind)
    self.type = p.type_name
    self.type_id = p.type_id or None
    self.max_age = p.max_age_ms or None
    self.keep_last = p.keep_last or None
    self.actor = p.actor or None
    self.timestamp = p.time_ms or None

  def __repr__(self):
    return '<RetentionPolicy: kind=%r, type=%r, max_age=%r, keep_last=%r>' % (
        self.kind, self.type, self.max_age, self.keep_last)


class RetentionResult(object):
  """What a retention run did with one policy: policy (a RetentionPolicy),
  examined (live nodes of the type), expired (those the rule selects),
  deleted (with dry_run: would be), kept_alias and kept_hold (selected but
  protected by an alias, or under HOLD)."""

  def __init__(self, r):
    self.proto = r
    self.policy = RetentionPolicy(r.policy)
    self.examined = r.examined
    self.expired = r.expired
    self.deleted = r.deleted
    self.kept_alias = r.kept_alias
    self.kept_hold = r.kept_hold

  def __repr__(self):
    return ('<RetentionResult: type=%r, examined=%r, expired=%r, deleted=%r, '
            'kept_alias=%r, kept_hold=%r>' % (
                self.policy.type, self.examined, self.expired, self.deleted,
                self.kept_alias, self.kept_hold))


class RetentionReport(object):
  """run_retention()'s answer: results (a RetentionResult per policy, also
  iteration), deleted (the total; with dry_run what would be), dry_run;
  gc, the GcResult of run_retention(gc=True) when it deleted something
  (else None)."""

  def __init__(self, r, dry_run):
    self.proto = r
    self.dry_run = bool(dry_run)
    self.results = [RetentionResult(x) for x in r.results]
    self.deleted = r.deleted
    self.gc = None

  def __iter__(self):
    return iter(self.results)

  def __repr__(self):
    return '<RetentionReport: deleted=%r, dry_run=%r, results=%r>' % (
        self.deleted, self.dry_run, self.results)


class EffectiveLabel(object):
  """A label that applies to a node: label, source_kind and source_id (the
  node it is set on), distance (edges from there; 0: the node's own),
  reason (None when none), until (ms; None: no end), actor and timestamp
  (who set it, when), propagate."""

  def __init__(self, e):
    self.proto = e
    self.label = e.label
    self.source_kind = kind_name(e.source_kind)
    self.source_id = e.source_id
    self.distance = e.distance
    self.reason = e.reason or None
    self.until = e.until_ms or None
    self.actor = e.actor or None
    self.timestamp = e.time_ms
    self.propagate = e.propagate

  def as_dict(self):
    """The entry as `mlmd labels --json` prints it, with actor, timestamp
    and propagate added."""
    return {'label': self.label, 'source_kind': self.source_kind,
            'source_id': self.source_id, 'distance': self.distance,
            'reason': self.reason, 'until': self.until, 'actor': self.actor,
            'timestamp': self.timestamp, 'propagate': self.propagate}

  def __repr__(self):
    return ('<EffectiveLabel: label=%r, source=%s %r, distance=%r, '
            'reason=%r, until=%r>' % (self.label, self.source_kind,
                                      self.source_id, self.distance,
                                      self.reason, self.until))


class LabelEntry(object):
  """A label set directly on a node (list_labels()): label_id, kind and id
  (the node), label, reason, until, actor, timestamp, propagate as in
  EffectiveLabel, and reached (the nodes it applies to now)."""

  def __init__(self, e):
    self.proto = e
    self.label_id = e.label_id
    self.kind = kind_name(e.kind)
    self.id = e.node_id
    self.label = e.label.label
    self.reason = e.label.reason or None
    self.until = e.label.until_ms or None
    self.actor = e.label.actor or None
    self.timestamp = e.label.time_ms
    self.propagate = e.label.propagate
    self.reached = e.reached

  def __repr__(self):
    return '<LabelEntry: label=%r, node=%s %r, reached=%r>' % (
        self.label, self.kind, self.id, self.reached)


class ImpactedNode(object):
  """A node impact() found: kind, id, type, name (None when none), distance
  (edges from the node asked about), deleted (a tombstone)."""

  def __init__(self, n):
    self.proto = n
    self.kind = kind_name(n.kind)
    self.id = n.id
    self.type = n.type
    self.name = n.name or None
    self.distance = n.distance
    self.deleted = n.deleted

  def __repr__(self):
    return '<ImpactedNode: %s %r, type=%r, name=%r, distance=%r%s>' % (
        self.kind, self.id, self.type, self.name, self.distance,
        ', deleted' if self.deleted else '')


class ImpactedVersion(object):
  """A registry version naming an impacted model artifact: name (the
  model's), version, artifact_id, distance (its artifact's)."""

  def __init__(self, v):
    self.proto = v
    self.name = v.model_name
    self.version = v.version
    self.artifact_id = v.artifact_id
    self.distance = v.distance

  def __repr__(self):
    return '<ImpactedVersion: %s/%r, artifact_id=%r, distance=%r>' % (
        self.name, self.version, self.artifact_id, self.distance)


class ImpactedAlias(object):
  """An alias on an impacted version: name (the model's), alias, version,
  artifact_id, distance."""

  def __init__(self, a):
    self.proto = a
    self.name = a.model_name
    self.alias = a.alias
    self.version = a.version
    self.artifact_id = a.artifact_id
    self.distance = a.distance

  def __repr__(self):
    return '<ImpactedAlias: %s@%s -> %r, artifact_id=%r, distance=%r>' % (
        self.name, self.alias, self.version, self.artifact_id, self.distance)


class Impact(object):
  """impact()'s answer: models (ImpactedNode, by distance then id),
  versions (ImpactedVersion, by model name and version), aliases
  (ImpactedAlias, by model name and alias), serving (the ModelServing
  executions that read the models) and deployments (their Deployment
  contexts), nodes_walked, truncated (the walk stopped at max_nodes)."""

  def __init__(self, r):
    self.proto = r
    self.models = [ImpactedNode(n) for n in r.models]
    self.versions = [ImpactedVersion(v) for v in r.versions]
    self.aliases = [ImpactedAlias(a) for a in r.aliases]
    self.serving = [ImpactedNode(n) for n in r.serving]
    self.deployments = [ImpactedNode(n) for n in r.deployments]
    self.nodes_walked = r.nodes_walked
    self.truncated = r.truncated

  def __repr__(self):
    return ('<Impact: models=%r, versions=%r, aliases=%r, serving=%r, '
            'deployments=%r, truncated=%r>' % (
                [m.id for m in self.models],
                ['%s/%d' % (v.name, v.version) for v in self.versions],
                ['%s@%s' % (a.name, a.alias) for a in self.aliases],
                [s.id for s in self.serving],
                [d.id for d in self.deployments], self.truncated))


class GcResult(object):
  """gc()'s answer: complete (every deleted byte is gone from the database
  files; also its truth value), pages_freed (SQLite: freelist pages the
  compaction released; 0 elsewhere), detail (what was done, or why it is
  not complete)."""

  def __init__(self, complete, pages_freed, detail):
    self.complete = bool(complete)
    self.pages_freed = pages_freed
    self.detail = detail

  def __bool__(self):
    return self.complete

  def __repr__(self):
    return '<GcResult: complete=%r, pages_freed=%r, detail=%r>' % (
        self.complete, self.pages_freed, self.detail)


def blocked_message(artifact_id, blocking):
  """The refusal's text for an artifact and its blocking labels (a
  non-empty list of EffectiveLabel), word for word as mlmd_gate_check
  gives it: "artifact 12 is blocked by the serving gate: POISONED on
  artifact 3, 2 hops upstream: <reason> (and 1 more blocking label)"."""
  first = blocking[0]
  if first.distance == 0:
    where = 'its own label'
  else:
    where = '%d hop%s upstream' % (first.distance,
                                   '' if first.distance == 1 else 's')
  text = 'artifact %d is blocked by the serving gate: %s on %s %d, %s' % (
      artifact_id, first.label, first.source_kind or 'node', first.source_id,
      where)
  if first.reason:
    text += ': ' + first.reason
  if len(blocking) > 1:
    text += ' (and %d more blocking label%s)' % (
        len(blocking) - 1, '' if len(blocking) == 2 else 's')
  return text


class GateBlockedError(errors.FailedPreconditionError):
  """The serving gate refuses an artifact (check_gate()): a
  FailedPreconditionError whose message names the first blocking label and
  its source node; artifact_id, and blocking (every blocking
  EffectiveLabel, sorted as labels() sorts)."""

  def __init__(self, artifact_id, blocking):
    super().__init__(blocked_message(artifact_id, blocking))
    self.artifact_id = artifact_id
    self.blocking = blocking
