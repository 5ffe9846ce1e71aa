"""Data governance's client methods (MlflowClient inherits them): deletion
that keeps lineage (tombstones), erasure of what was deleted (gc), retention
policies, classifications (labels) that follow lineage, the serving gate and
impact analysis.

Each method but gc() is one DataGovernanceService RPC
(proto/mlmd_governance.proto, whose comments are the semantics) through
mlmd_store_call, one transaction, audited like every write; gc() calls the
library's mlmd_store_gc. The store's refusals raise the ml_metadata.errors
exception for the status code: a deletion an alias or a HOLD label refuses
is FailedPreconditionError naming it. docs/datagov.md has the model.

A node is named by a kind ('artifact', 'execution', 'context') and an id
(an int or a decimal string); in place of the kind, a node object may be
given and the id left out: an ml_metadata Artifact, Execution or Context
message, an mlmd Run (its execution), or a (kind, id) pair.
"""

import ctypes
import datetime
import numbers
import re

from ml_metadata import _native
from ml_metadata import errors
from ml_metadata.proto import metadata_store_pb2 as mpb
from mlmd import entities
from mlmd import datagov_entities as dent
from mlmd import registry
from mlmd.proto import mlmd_governance_pb2 as gpb

_PAGE = 1000
_INT64_MAX = 2**63 - 1
_INT32_MAX = 2**31 - 1
_DURATION = re.compile(r'\s*([0-9]+)\s*(ms|s|m|h|d|w)?\s*\Z')
_UNIT_MS = {None: 1, 'ms': 1, 's': 1000, 'm': 60000, 'h': 3600000,
            'd': 86400000, 'w': 604800000}


def node_kind(value):
  """A kind ('artifact', 'execution', 'context', any case, or a NodeKind
  number) as the wire's NodeKind; InvalidArgumentError else."""
  if isinstance(value, str):
    k = dent.KINDS.get(value.strip().lower())
    if k is not None:
      return k
  elif isinstance(value, numbers.Integral) and not isinstance(value, bool) \
      and int(value) in dent.KIND_NAMES:
    return int(value)
  raise errors.InvalidArgumentError(
      'kind %r: expected "artifact", "execution" or "context"' % (value,))


def _node_of(obj):
  """(NodeKind, id) of a node object, or None when `obj` is not one."""
  if isinstance(obj, mpb.Artifact):
    return gpb.ARTIFACT, obj.id
  if isinstance(obj, mpb.Execution):
    return gpb.EXECUTION, obj.id
  if isinstance(obj, mpb.Context):
    return gpb.CONTEXT, obj.id
  if isinstance(obj, entities.Run):
    return gpb.EXECUTION, obj.info.run_id
  if isinstance(obj, tuple) and len(obj) == 2:
    return node_kind(obj[0]), obj[1]
  return None


def node(k, node_id=None):
  """(NodeKind, id) of a kind and an id, or of a node object given as the
  kind with no id."""
  if node_id is None:
    found = _node_of(k)
    if found is None:
      raise errors.InvalidArgumentError(
          'node %r: expected a kind and an id, an Artifact, Execution or '
          'Context, a Run, or a (kind, id) pair' % (k,))
    return found[0], registry._id('%s id' % dent.kind_name(found[0]),
                                  found[1])
  if _node_of(k) is not None and not isinstance(k, tuple):
    raise errors.InvalidArgumentError(
        'node %r given with id %r: pass a node object alone, or a kind and '
        'an id' % (k, node_id))
  w = node_kind(k)
  return w, registry._id('%s id' % dent.kind_name(w), node_id)


def nodes(k, ids=None):
  """(NodeKind, [id, ...]) of a kind and ids (one id or an iterable; node
  objects of that kind may stand for ids), or of node objects of one kind
  (one, or an iterable) given as the kind."""
  if ids is None:
    if isinstance(k, (str, numbers.Integral)):
      raise errors.InvalidArgumentError('kind %r given without ids' % (k,))
    objs = [k] if _node_of(k) is not None else None
    if objs is None:
      try:
        objs = list(k)
      except TypeError:
        objs = None
    if not objs:
      raise errors.InvalidArgumentError(
          'nodes %r: expected a kind and ids, or node objects of one kind'
          % (k,))
    found = [node(o) for o in objs]
    kinds = sorted({dent.kind_name(w) for w, _ in found})
    if len(kinds) > 1:
      raise errors.InvalidArgumentError('nodes of several kinds (%s): one '
                                        'call deletes nodes of one kind'
                                        % ', '.join(kinds))
    return found[0][0], [i for _, i in found]
  w = node_kind(k)
  if isinstance(ids, (numbers.Integral, str)):
    ids = [ids]
  try:
    ids = list(ids)
  except TypeError:
    raise errors.InvalidArgumentError('ids %r: expected an id or a list of '
                                      'ids' % (ids,)) from None
  out = []
  for i in ids:
    found = None if isinstance(i, tuple) else _node_of(i)
    if found is not None:  # a node object among the ids
      if found[0] != w:
        name = dent.kind_name(found[0])
        raise errors.InvalidArgumentError('%s %s among the %s ids' % (
            'an' if name[0] in 'ae' else 'a', name, dent.kind_name(w)))
      i = found[1]
    out.append(registry._id('%s id' % dent.kind_name(w), i))
  return w, out


def duration_ms(what, value):
  """A duration as ms: an int (ms), a datetime.timedelta, or text as the
  CLI takes it ("30d", "12h", "90m", "45s", "500ms", "2w", or digits: ms).
  InvalidArgumentError for anything else, or for 0 and less."""
  if isinstance(value, bool):
    n = None
  elif isinstance(value, numbers.Integral):
    n = int(value)
  elif isinstance(value, datetime.timedelta):
    n = (value.days * 86400000 + value.seconds * 1000 +
         value.microseconds // 1000)
  elif isinstance(value, str):
    m = _DURATION.match(value)
    n = int(m.group(1)) * _UNIT_MS[m.group(2)] if m else None
  else:
    n = None
  if n is None:
    raise errors.InvalidArgumentError(
        '%s %r: expected ms (an int), a datetime.timedelta, or a duration '
        'such as "30d", "12h", "500ms" (units ms, s, m, h, d, w)' %
        (what, value))
  if n <= 0 or n > _INT64_MAX:
    raise errors.InvalidArgumentError('%s %r: expected a duration of at least '
                                      '1 ms (and below 2**63 ms)'
                                      % (what, value))
  return n


def _count(what, value, low=1, high=_INT64_MAX):
  if isinstance(value, bool) or not isinstance(value, numbers.Integral) or \
      not low <= value <= high:
    raise errors.InvalidArgumentError('%s %r: expected an int from %d to %d'
                                      % (what, value, low, high))
  return int(value)


class _CGcResult(ctypes.Structure):
  """mlmd_gc_result (include/mlmd/datagov.h)."""
  _fields_ = [('complete', ctypes.c_int), ('pages_freed', ctypes.c_int64),
              ('detail', ctypes.c_char * 256)]


_gc_fn = None


def _store_gc():
  """The library's mlmd_store_gc, declared on first use."""
  global _gc_fn
  if _gc_fn is None:
    try:
      fn = _native.lib.mlmd_store_gc
    except AttributeError:
      raise errors.UnimplementedError(
          'gc: the mlmd library at %s has no mlmd_store_gc (built before '
          'data governance?)' % _native.path) from None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_CGcResult)]
    fn.restype = ctypes.c_int
    _gc_fn = fn
  return _gc_fn


class LabelChange(object):
  """classify()'s and unclassify()'s answer: reached (the nodes the label
  applies to now, or applied to before its removal) and replaced (classify:
  the node had the label already; its reason, until and propagation were
  replaced)."""

  def __init__(self, reached, replaced=False):
    self.reached = reached
    self.replaced = replaced

  def __repr__(self):
    return '<LabelChange: reached=%r, replaced=%r>' % (self.reached,
                                                       self.replaced)


class DataGovernanceMethods(object):
  """The data governance half of MlflowClient (it provides _call, _store
  and, from the registry's half, resolve)."""

  # ---- deletion -------------------------------------------------------------

  def delete(self, kind, ids=None, reason=None, dry_run=False, gc=False):
    """Deletes nodes of one kind, all or none, keeping tombstones (id, type,
    time, actor, reason) and the events through them; returns a
    DeleteResult. NotFoundError for an id that does not exist or is deleted
    already; FailedPreconditionError naming the alias (MODEL@ALIAS) or the
    HOLD label that protects a node. With dry_run nothing is written and
    the result says what would go. gc() erases the deleted bytes; with
    gc=True it runs after the deletion (as `mlmd delete` does) and the
    result's .gc is its GcResult."""
    w, found = nodes(kind, ids)
    req = gpb.DeleteNodesRequest(kind=w, ids=found, dry_run=bool(dry_run))
    if reason is not None:
      req.reason = str(reason)
    r = self._call('DeleteNodes', req, gpb.DeleteNodesResponse())
    out = dent.DeleteResult(r, dry_run)
    if gc and not dry_run:
      out.gc = self.gc()
    return out

  def tombstones(self, kind, ids=None, after_id=0, max_results=None):
    """The tombstones among `ids` (ids that are live or unknown are left
    out), or with no ids every tombstone of the kind with id > after_id,
    in id order (at most max_results). A list of Tombstone."""
    if ids is not None:
      w, found = nodes(kind, ids)
      r = self._call('GetTombstones', gpb.GetTombstonesRequest(
          kind=w, ids=found), gpb.GetTombstonesResponse())
      return [dent.Tombstone(t) for t in r.tombstones]
    w = node_kind(kind)
    after = _count('after_id', after_id, 0)
    if max_results is not None:
      _count('max_results', max_results, 0)
    out = []
    while max_results is None or len(out) < max_results:
      want = _PAGE if max_results is None else min(_PAGE,
                                                   max_results - len(out))
      r = self._call('GetTombstones', gpb.GetTombstonesRequest(
          kind=w, after_id=after, max_results=want),
                     gpb.GetTombstonesResponse())
      out.extend(dent.Tombstone(t) for t in r.tombstones)
      if len(r.tombstones) < want:
        break
      after = r.tombstones[-1].id
    return out

  def gc(self, full=False):
    """The store's compaction step (mlmd_store_gc): afterwards no deleted
    value, URI or name remains in the database files. SQLite checkpoints
    and truncates the WAL (full: also VACUUM); PostgreSQL VACUUMs (full:
    VACUUM FULL). Returns a GcResult; FailedPreconditionError inside a
    transaction."""
    fn = _store_gc()
    out = _CGcResult()

    def run(handle):
      rc = fn(handle, 1 if full else 0, ctypes.byref(out))
      return rc, (_native.error_message() if rc != 0 else '')

    rc, message = self._store.with_handle(run)
    if rc != 0:
      raise errors.make_exception(message, -rc)
    return dent.GcResult(out.complete, out.pages_freed,
                         out.detail.decode('utf-8', 'replace'))

  # ---- retention ------------------------------------------------------------

  def set_retention(self, type_name, max_age=None, keep_last=None, kind=None):
    """Sets (or replaces) the retention policy of a node type: a run
    deletes its nodes older than max_age (ms, a datetime.timedelta or a
    duration such as "30d") that are not among its keep_last newest; at
    least one of the two. kind: needed only when types of several kinds
    have the name. Returns the RetentionPolicy."""
    p = gpb.RetentionPolicy(type_name=str(type_name))
    if kind is not None:
      p.kind = node_kind(kind)
    if max_age is not None:
      p.max_age_ms = duration_ms('max_age', max_age)
    if keep_last is not None:
      p.keep_last = _count('keep_last', keep_last)
    r = self._call('SetRetentionPolicy',
                   gpb.SetRetentionPolicyRequest(policy=p),
                   gpb.SetRetentionPolicyResponse())
    return dent.RetentionPolicy(r.policy)

  def retention_policies(self):
    """Every retention policy, by kind then type name: RetentionPolicy."""
    r = self._call('GetRetentionPolicies', gpb.GetRetentionPoliciesRequest(),
                   gpb.GetRetentionPoliciesResponse())
    return [dent.RetentionPolicy(p) for p in r.policies]

  def remove_retention(self, type_name, kind=None):
    """Removes a type's retention policy; NotFoundError when it has none."""
    req = gpb.DeleteRetentionPolicyRequest(type_name=str(type_name))
    if kind is not None:
      req.kind = node_kind(kind)
    self._call('DeleteRetentionPolicy', req,
               gpb.DeleteRetentionPolicyResponse())

  def run_retention(self, dry_run=False, gc=False):
    """Applies every policy once (idempotent); with dry_run deletes nothing
    and reports what would go. Returns a RetentionReport; with gc=True,
    gc() runs after a run that deleted something (as `mlmd retention run`
    does) and the report's .gc is its GcResult."""
    r = self._call('RunRetention', gpb.RunRetentionRequest(
        dry_run=bool(dry_run)), gpb.RunRetentionResponse())
    out = dent.RetentionReport(r, dry_run)
    if gc and not dry_run and out.deleted:
      out.gc = self.gc()
    return out

  # ---- classifications ------------------------------------------------------

  def classify(self, kind, id=None, label=None, reason=None, until=None,
               propagate=True):
    """Sets `label` on a node (replacing it when the node has it), with an
    optional reason and until-time (ms, a datetime, a date or ISO 8601
    text; the label stops applying after it). A propagating label applies
    downstream along lineage, transitively. Returns a LabelChange."""
    w, i = node(kind, id)
    if label is None:
      raise errors.InvalidArgumentError('classify: no label given')
    req = gpb.ClassifyRequest(kind=w, id=i, label=str(label),
                              no_propagate=not propagate)
    if reason is not None:
      req.reason = str(reason)
    if until is not None:
      req.until_ms = registry.as_of_ms(until, 'until')
      if req.until_ms <= 0:
        raise errors.InvalidArgumentError('until %r: expected a time after '
                                          'the epoch' % (until,))
    r = self._call('Classify', req, gpb.ClassifyResponse())
    return LabelChange(r.reached, r.replaced)

  def unclassify(self, kind, id=None, label=None):
    """Removes the node's own `label` and everything it propagated (a node
    reached from another source keeps it); NotFoundError when the node has
    no such label of its own. Returns a LabelChange."""
    w, i = node(kind, id)
    if label is None:
      raise errors.InvalidArgumentError('unclassify: no label given')
    r = self._call('Unclassify', gpb.UnclassifyRequest(kind=w, id=i,
                                                       label=str(label)),
                   gpb.UnclassifyResponse())
    return LabelChange(r.reached)

  def labels(self, kind, id=None, include_expired=False):
    """A node's effective labels: a list of EffectiveLabel, one per (label,
    source), by label, then distance, then source; distance 0 for its own.
    include_expired: also those past their until-time."""
    w, i = node(kind, id)
    r = self._call('GetEffectiveLabels', gpb.GetEffectiveLabelsRequest(
        kind=w, id=i, include_expired=bool(include_expired)),
                   gpb.GetEffectiveLabelsResponse())
    return [dent.EffectiveLabel(e) for e in r.labels]

  def list_labels(self, label=None, max_results=None):
    """The labels set directly on nodes (every one, or at most
    max_results), by label then node: a list of LabelEntry."""
    if max_results is not None:
      _count('max_results', max_results, 0)
    out = []
    after = 0
    while max_results is None or len(out) < max_results:
      want = _PAGE if max_results is None else min(_PAGE,
                                                   max_results - len(out))
      req = gpb.ListLabelsRequest(after_id=after, max_results=want)
      if label is not None:
        req.label = str(label)
      r = self._call('ListLabels', req, gpb.ListLabelsResponse())
      out.extend(dent.LabelEntry(e) for e in r.labels)
      if len(r.labels) < want:
        break
      after = r.labels[-1].label_id
    return out

  # ---- the serving gate -----------------------------------------------------

  def gate(self):
    """The labels that stop a model from being served, sorted."""
    r = self._call('GetServingGate', gpb.GetServingGateRequest(),
                   gpb.GetServingGateResponse())
    return list(r.labels)

  def set_gate(self, labels):
    """Replaces the gate list (an iterable of labels, or one label; empty:
    nothing is gated); returns it as stored, sorted."""
    if isinstance(labels, str):
      labels = [labels]
    r = self._call('SetServingGate', gpb.SetServingGateRequest(
        labels=[str(x) for x in labels]), gpb.SetServingGateResponse())
    return list(r.labels)

  def check_gate(self, artifact, raise_blocked=True):
    """Whether an artifact may be served (as mlmd_gate_check): `artifact`
    is its id, an Artifact, a ModelVersion or a registry reference
    NAME@ALIAS or NAME/VERSION. Returns its blocking labels (a list of
    EffectiveLabel, empty when allowed); when there are some and
    raise_blocked, raises GateBlockedError (a FailedPreconditionError)
    naming the first and its source, with .blocking. NotFoundError for no
    such, or a deleted, artifact."""
    if isinstance(artifact, mpb.Artifact):
      aid = artifact.id
    elif hasattr(artifact, 'artifact_id') and not isinstance(artifact, str):
      aid = artifact.artifact_id
    elif isinstance(artifact, str) and not registry._decimal(artifact.strip()):
      aid = self.resolve(artifact).artifact_id
    else:
      aid = artifact
    aid = registry._id('artifact id', aid)
    r = self._call('CheckServingGate', gpb.CheckServingGateRequest(
        artifact_id=aid), gpb.CheckServingGateResponse())
    blocking = [dent.EffectiveLabel(e) for e in r.blocking]
    if blocking and raise_blocked:
      raise dent.GateBlockedError(aid, blocking)
    return blocking

  # ---- impact analysis ------------------------------------------------------

  def impact(self, kind, id=None, max_nodes=0):
    """What is downstream of an artifact or execution and matters: model
    artifacts, the registry versions and aliases naming them, the serving
    executions that read them and their deployments, each with its
    distance; walks at most max_nodes nodes (0: 1,000,000; .truncated
    says when it stopped). Returns an Impact."""
    w, i = node(kind, id)
    r = self._call('Impact', gpb.ImpactRequest(
        kind=w, id=i, max_nodes=_count('max_nodes', max_nodes, 0,
                                       _INT32_MAX)),
                   gpb.ImpactResponse())
    return dent.Impact(r)
