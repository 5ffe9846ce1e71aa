"""The audit log's client methods (MlflowClient inherits them) and entities.

Every writing call on a store (MLMD's RPCs, tracking's, the registry's)
appends one record to its audit log in the call's transaction: sequence
number, time, actor, operation, affected ids, the SHA-256 of the request
bytes, the previous record's hash and its own. get_audit_log reads it,
verify_audit recomputes the chain (naming the first record that fails), and
audit_checkpoint gives "SEQ:HASH" to keep elsewhere, so that a chain
rewritten from the start is detected by verify_audit(checkpoint=...).
Each method is one AuditService RPC (proto/mlmd_governance.proto);
docs/audit.md has the record's canonical text.
"""

import numbers
import re

from ml_metadata import errors
from mlmd.proto import mlmd_governance_pb2 as gpb

_PAGE = 1000
_HASH = re.compile(r'[0-9a-f]{64}\Z')


class AuditRecord(object):
  """One audit record: seq (1, 2, 3...), timestamp (ms), actor, operation
  (the RPC's name), ids (the affected ids, "field=1,2 field=3"),
  request_sha256, prev_hash, hash."""

  def __init__(self, r):
    self.proto = r
    self.seq = r.seq
    self.timestamp = r.time_ms
    self.actor = r.actor
    self.operation = r.operation
    self.ids = r.ids
    self.request_sha256 = r.request_sha256
    self.prev_hash = r.prev_hash
    self.hash = r.hash

  def __repr__(self):
    return '<AuditRecord: seq=%r, actor=%r, operation=%r, ids=%r>' % (
        self.seq, self.actor, self.operation, self.ids)


class AuditVerification(object):
  """verify_audit's answer: intact (also its truth value), first_bad_seq
  and reason (None when intact), records (how many were checked), last_seq
  and last_hash (the chain's end)."""

  def __init__(self, v):
    self.proto = v
    self.intact = v.intact
    self.first_bad_seq = None if v.intact else v.first_bad_seq
    self.reason = None if v.intact else v.reason
    self.records = v.records
    self.last_seq = v.last_seq
    self.last_hash = v.last_hash or None

  def __bool__(self):
    return self.intact

  def __repr__(self):
    if self.intact:
      return '<AuditVerification: intact, records=%r>' % self.records
    return '<AuditVerification: first_bad_seq=%r, reason=%r>' % (
        self.first_bad_seq, self.reason)


def parse_checkpoint(checkpoint):
  """(seq, hash) of a checkpoint: "SEQ:HASH" (as audit_checkpoint() gives)
  or a (seq, hash) pair; InvalidArgumentError else."""
  if isinstance(checkpoint, str):
    seq, sep, h = checkpoint.strip().partition(':')
    if not sep or not (seq.isascii() and seq.isdigit()):
      raise errors.InvalidArgumentError(
          'checkpoint %r: expected SEQ:HASH (as audit_checkpoint() gives)'
          % (checkpoint,))
    seq = int(seq)
  else:
    try:
      seq, h = checkpoint
    except (TypeError, ValueError):
      raise errors.InvalidArgumentError(
          'checkpoint %r: expected "SEQ:HASH" or (seq, hash)' %
          (checkpoint,)) from None
    if isinstance(seq, bool) or not isinstance(seq, numbers.Integral):
      raise errors.InvalidArgumentError('checkpoint %r: seq is not an int'
                                        % (checkpoint,))
  h = str(h).lower()
  if seq < 1 or not _HASH.match(h):
    raise errors.InvalidArgumentError(
        'checkpoint %r: expected a seq >= 1 and a 64-hex-digit hash' %
        (checkpoint,))
  return int(seq), h


class AuditMethods(object):
  """The audit half of MlflowClient (it provides _call)."""

  def get_audit_log(self, since=0, max_results=None):
    """Records with seq > `since`, oldest first: every one (None), or at
    most `max_results`; a list of AuditRecord."""
    if isinstance(since, bool) or not isinstance(since, numbers.Integral) \
        or since < 0:
      raise errors.InvalidArgumentError('since %r: expected a seq >= 0' %
                                        (since,))
    out = []
    after = int(since)
    while max_results is None or len(out) < max_results:
      want = _PAGE if max_results is None else min(_PAGE,
                                                   max_results - len(out))
      r = self._call('GetAuditLog', gpb.GetAuditLogRequest(
          since_seq=after, max_results=want), gpb.GetAuditLogResponse())
      out.extend(AuditRecord(x) for x in r.records)
      if not r.records or r.records[-1].seq >= r.last_seq:
        break
      after = r.records[-1].seq
    return out

  def verify_audit(self, checkpoint=None):
    """Recomputes the audit chain; with a checkpoint ("SEQ:HASH" or a
    (seq, hash) pair, as audit_checkpoint() gave it) that record must
    still have that hash. Returns an AuditVerification (false when a record
    fails: first_bad_seq names it and reason says why)."""
    req = gpb.VerifyAuditRequest()
    if checkpoint is not None:
      req.checkpoint_seq, req.checkpoint_hash = parse_checkpoint(checkpoint)
    return AuditVerification(self._call('VerifyAudit', req,
                                        gpb.VerifyAuditResponse()))

  def audit_checkpoint(self):
    """The chain's last record as "SEQ:HASH", to keep elsewhere and give
    verify_audit(checkpoint=...) later."""
    r = self._call('GetAuditCheckpoint', gpb.GetAuditCheckpointRequest(),
                   gpb.GetAuditCheckpointResponse())
    return '%d:%s' % (r.seq, r.hash)
