"""The model registry's client methods (MlflowClient inherits them).

MLflow's names and arguments where MLflow has the call
(create_registered_model, create_model_version, set_registered_model_alias,
get_model_version_by_alias, search_model_versions, ...), and mlmd's for
what MLflow's open-source registry lacks: several aliases moved in one
transaction, alias policies, requests approved or rejected by other actors,
the alias history and resolution as of a past time. Each method is one
RegistryService RPC (proto/mlmd_governance.proto) through mlmd_store_call,
one transaction; the store's refusals raise the ml_metadata.errors
exception for the status code (mlmd.exceptions.MlflowException is their
base class). docs/registry.md has the semantics.
"""

import datetime
import numbers
import os

from ml_metadata import errors
from ml_metadata.proto import metadata_store_service_pb2 as svc
from mlmd import _filter
from mlmd import entities
from mlmd import registry_entities as rent
from mlmd.proto import mlmd_governance_pb2 as gpb

_INT32_MAX = 2**31 - 1


def _decimal(text):
  """Whether `text` is ASCII decimal digits (str.isdigit() alone also takes
  '²' and other digits int() refuses)."""
  return text.isascii() and text.isdigit()


def version_number(version):
  """A version number (1, "3") as an int >= 1; InvalidArgumentError else."""
  if isinstance(version, bool):
    raise errors.InvalidArgumentError('version %r is not a version number'
                                      % (version,))
  if isinstance(version, numbers.Integral):
    n = int(version)
  elif isinstance(version, str) and _decimal(version.strip()):
    n = int(version.strip())
  else:
    raise errors.InvalidArgumentError(
        'version %r is not a version number (1, 2, 3...)' % (version,))
  if n < 1 or n >= 2**63:
    raise errors.InvalidArgumentError('version %r is out of range (versions '
                                      'start at 1)' % (version,))
  return n


def _target(version):
  """An alias move's version: None (or 0) removes the alias."""
  return 0 if version is None or version == 0 else version_number(version)


def _id(what, value):
  """An id (42, "42") as an int >= 1."""
  if isinstance(value, bool) or not (
      isinstance(value, numbers.Integral) or
      (isinstance(value, str) and _decimal(value.strip()))):
    raise errors.InvalidArgumentError('%s %r is not an id (a positive '
                                      'integer)' % (what, value))
  n = int(value)
  if n < 1 or n >= 2**63:
    raise errors.InvalidArgumentError('%s %r is out of range' % (what, value))
  return n


def _ms_in_range(as_of, n, what='as_of'):
  """n, when it fits the request's int64 ms field; InvalidArgumentError
  else (the store says itself what a time before the epoch is)."""
  if not -2**63 <= n < 2**63:
    raise errors.InvalidArgumentError('%s %r is out of range (ms since the '
                                      'epoch, below 2**63)' % (what, as_of))
  return n


def as_of_ms(as_of, what='as_of'):
  """A time as ms since the epoch: an int (ms), a datetime (a naive one is
  local time, as datetime.timestamp() takes it), a date (midnight UTC), or
  an ISO 8601 string (without an offset: UTC; a date alone: midnight UTC).
  `what` names the argument in error messages."""
  if isinstance(as_of, bool):
    raise errors.InvalidArgumentError('%s %r is not a time' % (what, as_of))
  if isinstance(as_of, numbers.Integral):
    return _ms_in_range(as_of, int(as_of), what)
  if isinstance(as_of, datetime.datetime):
    try:
      return int(round(as_of.timestamp() * 1000))
    except (ValueError, OverflowError, OSError) as e:
      # a naive datetime near year 1 or 9999 has no local time
      raise errors.InvalidArgumentError('%s %r: %s' % (what, as_of, e)) from None
  if isinstance(as_of, datetime.date):
    as_of = datetime.datetime(as_of.year, as_of.month, as_of.day,
                              tzinfo=datetime.timezone.utc)
    return int(round(as_of.timestamp() * 1000))
  if isinstance(as_of, str):
    text = as_of.strip()
    if _decimal(text):
      return _ms_in_range(as_of, int(text), what)
    try:
      t = datetime.datetime.fromisoformat(
          text[:-1] + '+00:00' if text[-1:] in 'Zz' and text else text)
    except ValueError:
      raise errors.InvalidArgumentError(
          '%s %r: expected ISO 8601 (2026-12-03T10:00:00Z) or '
          'milliseconds since the epoch' % (what, as_of)) from None
    if t.tzinfo is None:
      t = t.replace(tzinfo=datetime.timezone.utc)
    return int(round(t.timestamp() * 1000))
  raise errors.InvalidArgumentError(
      '%s %r: expected ms since the epoch, a datetime or an ISO 8601 '
      'string (got %s)' % (what, as_of, type(as_of).__name__))


def parse_ref(ref):
  """(name, alias, version) of a reference NAME@ALIAS or NAME/VERSION (the
  other one None); InvalidArgumentError for anything else."""
  if not isinstance(ref, str):
    raise errors.InvalidArgumentError('model reference %r: expected a string '
                                      'NAME@ALIAS or NAME/VERSION' % (ref,))
  cut = min([i for i in (ref.find('@'), ref.find('/')) if i >= 0],
            default=-1)
  if cut <= 0 or cut == len(ref) - 1:
    raise errors.InvalidArgumentError(
        'model reference %r: expected NAME@ALIAS or NAME/VERSION' % (ref,))
  name, rest = ref[:cut], ref[cut + 1:]
  if ref[cut] == '@':
    return name, rest, None
  if not _decimal(rest) or int(rest) < 1:
    raise errors.InvalidArgumentError(
        'model reference %r: the version after "/" must be a decimal '
        'number >= 1' % (ref,))
  return name, None, version_number(rest)


def _tags(field, tags):
  for k, v in sorted((tags or {}).items()):
    if not isinstance(k, str) or not k:
      raise errors.InvalidArgumentError('tag key %r: expected a non-empty '
                                        'string' % (k,))
    field.add(key=k, value=str(v))


class RegistryMethods(object):
  """The registry half of MlflowClient (it provides _call)."""

  # ---- registered models ----------------------------------------------------

  def create_registered_model(self, name, tags=None, description=None):
    """Registers a model named `name` (ALREADY_EXISTS when taken), with tags
    (a dict; values stored as str) and a description; returns its
    RegisteredModel."""
    req = gpb.CreateRegisteredModelRequest(name=name)
    if description is not None:
      req.description = description
    _tags(req.tags, tags)
    r = self._call('CreateRegisteredModel', req,
                   gpb.CreateRegisteredModelResponse())
    return rent.RegisteredModel(r.model)

  def get_registered_model(self, name):
    """The RegisteredModel named `name` with its versions, aliases, policies
    and pending requests; NotFoundError when there is none."""
    r = self._call('GetRegisteredModel',
                   gpb.GetRegisteredModelRequest(name=name),
                   gpb.GetRegisteredModelResponse())
    self._fill_artifacts(r.model.versions)
    return rent.RegisteredModel(r.model)

  def search_registered_models(self, filter_string=None, max_results=100,
                               order_by=None, page_token=None):
    """Registered models by name (without versions): every one, or those
    `filter_string` keeps (name = 'x', name LIKE 'pat%', ILIKE); one page
    of at most `max_results`, a list with .token for the next."""
    if order_by and [' '.join(o.split()).lower() for o in order_by] not in (
        ['name'], ['name asc']):
      raise errors.InvalidArgumentError(
          'search_registered_models: order_by %r is not supported (models '
          'come by name)' % (order_by,))
    keep = _filter.registered_model_filter(filter_string)
    limit = max(1, min(int(max_results), _INT32_MAX))
    if keep is None:
      req = gpb.ListRegisteredModelsRequest(max_results=limit)
      if page_token:
        req.page_token = page_token
      r = self._call('ListRegisteredModels', req,
                     gpb.ListRegisteredModelsResponse())
      return entities.PagedList([rent.RegisteredModel(m) for m in r.models],
                                r.next_page_token or None)
    # A filter is applied here, over every model; the token is an offset.
    found = []
    token = None
    while True:
      req = gpb.ListRegisteredModelsRequest()
      if token:
        req.page_token = token
      r = self._call('ListRegisteredModels', req,
                     gpb.ListRegisteredModelsResponse())
      found.extend(m for m in r.models if keep(m.name))
      token = r.next_page_token
      if not token:
        break
    start = 0
    if page_token:
      if not page_token.startswith('offset:') or \
          not _decimal(page_token[7:]):
        raise errors.InvalidArgumentError('page_token %r is not a token of '
                                          'this filter' % (page_token,))
      start = int(page_token[7:])
    page = found[start:start + limit]
    more = start + limit < len(found)
    return entities.PagedList([rent.RegisteredModel(m) for m in page],
                              'offset:%d' % (start + limit) if more else None)

  def update_registered_model(self, name, description=None):
    """Sets the model's description (None: leaves it); returns the model."""
    req = gpb.UpdateRegisteredModelRequest(name=name)
    if description is not None:
      req.description = description
    r = self._call('UpdateRegisteredModel', req,
                   gpb.UpdateRegisteredModelResponse())
    return rent.RegisteredModel(r.model)

  def set_registered_model_tag(self, name, key, value):
    req = gpb.UpdateRegisteredModelRequest(name=name)
    _tags(req.set_tags, {key: value})
    self._call('UpdateRegisteredModel', req,
               gpb.UpdateRegisteredModelResponse())

  def delete_registered_model_tag(self, name, key):
    self._call('UpdateRegisteredModel', gpb.UpdateRegisteredModelRequest(
        name=name, delete_tags=[key]), gpb.UpdateRegisteredModelResponse())

  # ---- versions -------------------------------------------------------------

  def _artifact_of(self, source):
    """The id of the model artifact `source` names: an id (7, "7"), else an
    artifact URI (a local path also by its absolute path, as tracking
    records files): exactly one artifact must have it."""
    if isinstance(source, bool) or source is None:
      raise errors.InvalidArgumentError(
          'create_model_version: source %r: give the model artifact (its id '
          'or its URI)' % (source,))
    if isinstance(source, numbers.Integral) or (
        isinstance(source, str) and _decimal(source.strip())):
      return _id('artifact id', source)
    uri = os.fspath(source)
    uris = [uri]
    if os.path.exists(uri) and os.path.abspath(uri) != uri:
      uris.append(os.path.abspath(uri))
    r = self._call('GetArtifactsByURI', svc.GetArtifactsByURIRequest(
        uris=uris), svc.GetArtifactsByURIResponse())
    ids = sorted({a.id for a in r.artifacts})
    if not ids:
      raise errors.NotFoundError(
          'create_model_version: no artifact has URI %r; record the model '
          'first (mlmd.log_artifact, `mlmd model add`) or pass artifact_id'
          % (uri,))
    if len(ids) > 1:
      raise errors.InvalidArgumentError(
          'create_model_version: %d artifacts have URI %r (ids %s); pass '
          'the one to register as artifact_id' %
          (len(ids), uri, ', '.join(map(str, ids))))
    return ids[0]

  def create_model_version(self, name, source=None, run_id=None, tags=None,
                           run_link=None, description=None, *,
                           artifact_id=None):
    """Adds the next version (latest + 1) of model `name`, pointing at the
    model artifact `source` (its id, or its URI: see mlmd's docs) or
    `artifact_id`, produced by the run `run_id` ("42", optional), with tags
    (a dict) and a description. Returns the ModelVersion."""
    del run_link  # MLflow's link to a remote run: nothing to link here
    if (source is None) == (artifact_id is None):
      raise errors.InvalidArgumentError(
          'create_model_version: give the model artifact as source (an id '
          'or a URI) or as artifact_id, not both')
    aid = (_id('artifact_id', artifact_id) if artifact_id is not None else
           self._artifact_of(source))
    req = gpb.CreateModelVersionRequest(model_name=name, artifact_id=aid)
    if run_id is not None:
      req.run_id = entities.run_id_to_int(run_id)
    if description is not None:
      req.description = description
    _tags(req.tags, tags)
    r = self._call('CreateModelVersion', req,
                   gpb.CreateModelVersionResponse())
    self._fill_artifacts([r.version])
    return rent.ModelVersion(r.version)

  def _fill_artifacts(self, versions):
    """Gives each ModelVersion message without its artifact the artifact
    (one GetArtifactsByID for all)."""
    need = {v.artifact_id for v in versions
            if not v.HasField('artifact') and v.artifact_id}
    if not need:
      return
    r = self._call('GetArtifactsByID', svc.GetArtifactsByIDRequest(
        artifact_ids=sorted(need)), svc.GetArtifactsByIDResponse())
    by_id = {a.id: a for a in r.artifacts}
    for v in versions:
      if not v.HasField('artifact') and v.artifact_id in by_id:
        v.artifact.CopyFrom(by_id[v.artifact_id])

  def _resolve(self, name, alias=None, version=None, as_of=None):
    req = gpb.ResolveModelRequest(model_name=name)
    if alias is not None:
      req.alias = alias
    else:
      req.version = version_number(version)
    if as_of is not None:
      req.as_of_ms = as_of_ms(as_of)
    r = self._call('ResolveModel', req, gpb.ResolveModelResponse())
    self._fill_artifacts([r.version])
    return rent.ModelVersion(r.version,
                             r.alias if r.HasField('alias') else None)

  def get_model_version(self, name, version):
    """Version `version` of model `name`, with its artifact; NotFoundError
    when there is none."""
    return self._resolve(name, version=version)

  def get_model_version_by_alias(self, name, alias):
    """The version alias `alias` of model `name` names now (`latest`: the
    highest version); NotFoundError when it names none."""
    return self._resolve(name, alias=alias)

  def resolve(self, ref, as_of=None):
    """The ModelVersion a reference names: NAME@ALIAS (.alias is set) or
    NAME/VERSION. as_of (ms since the epoch, a datetime, or ISO 8601): the
    alias as it was then (NotFoundError when it named no version then)."""
    name, alias, version = parse_ref(ref)
    return self._resolve(name, alias, version, as_of)

  def set_model_version_tag(self, name, version, key, value):
    """Sets tag `key` of the version to str(value)."""
    req = gpb.SetModelVersionTagsRequest(model_name=name,
                                         version=version_number(version))
    _tags(req.set_tags, {key: value})
    self._call('SetModelVersionTags', req, gpb.SetModelVersionTagsResponse())

  def delete_model_version_tag(self, name, version, key):
    self._call('SetModelVersionTags', gpb.SetModelVersionTagsRequest(
        model_name=name, version=version_number(version), delete_tags=[key]),
               gpb.SetModelVersionTagsResponse())

  def search_model_versions(self, filter_string=None, max_results=10000,
                            order_by=None, page_token=None):
    """Versions matching `filter_string` (name = 'x', run_id = '42',
    tags.KEY = 'v', artifact_id = 7, joined with AND; None: every version),
    by model name then version: one page of at most `max_results`, a list
    of ModelVersion with .token for the next."""
    if order_by:
      raise errors.InvalidArgumentError(
          'search_model_versions: order_by %r is not supported (versions '
          'come by model name, then version)' % (order_by,))
    f = _filter.model_version_filter(filter_string)
    req = gpb.SearchModelVersionsRequest(
        max_results=max(1, min(int(max_results), _INT32_MAX)))
    if 'name' in f:
      req.model_name = f['name']
    if 'run_id' in f:
      req.run_id = entities.run_id_to_int(f['run_id'])
    if 'artifact_id' in f:
      req.artifact_id = _id('artifact_id', f['artifact_id'])
    _tags(req.tags, f['tags'])
    if page_token:
      req.page_token = page_token
    r = self._call('SearchModelVersions', req,
                   gpb.SearchModelVersionsResponse())
    self._fill_artifacts(r.versions)
    return entities.PagedList([rent.ModelVersion(v) for v in r.versions],
                              r.next_page_token or None)

  # ---- aliases --------------------------------------------------------------

  def set_registered_model_aliases(self, name, aliases):
    """Moves several aliases of model `name` at once, in one transaction (a
    swap of champion and challenger): `aliases` is a dict alias -> version
    (None: remove it). Refused, with nothing moved, when any of them has a
    policy (FailedPreconditionError naming it). Returns the
    AliasHistoryEntry written for each move."""
    req = gpb.SetAliasesRequest(model_name=name)
    for alias, version in aliases.items():
      req.moves.add(alias=alias, version=_target(version))
    r = self._call('SetAliases', req, gpb.SetAliasesResponse())
    return [rent.AliasHistoryEntry(e) for e in r.moves]

  def set_registered_model_alias(self, name, alias, version):
    """Points alias `alias` of model `name` at version `version` (refused
    when the alias has a policy: use request_alias_move)."""
    self.set_registered_model_aliases(name, {alias: version_number(version)})

  def delete_registered_model_alias(self, name, alias):
    """Removes alias `alias` of model `name`."""
    self.set_registered_model_aliases(name, {alias: None})

  def get_alias_history(self, name, alias=None):
    """Every move of the model's aliases (or of `alias` only), oldest
    first: a list of AliasHistoryEntry."""
    req = gpb.GetAliasHistoryRequest(model_name=name)
    if alias is not None:
      req.alias = alias
    r = self._call('GetAliasHistory', req, gpb.GetAliasHistoryResponse())
    return [rent.AliasHistoryEntry(e) for e in r.entries]

  # ---- policies and requests ------------------------------------------------

  def set_alias_policy(self, name, alias, approvals, require=None):
    """Puts (replaces) a policy on alias `alias` of model `name`: moving it
    takes a request approved by `approvals` distinct actors other than the
    requester, and every KEY=VALUE of `require` (a dict) holding for the
    target version (a version tag, else a property of its artifact).
    Returns the AliasPolicy."""
    if isinstance(approvals, bool) or not isinstance(approvals,
                                                     numbers.Integral):
      raise errors.InvalidArgumentError('approvals %r: expected an int >= 0'
                                        % (approvals,))
    req = gpb.SetAliasPolicyRequest(model_name=name, alias=alias,
                                    approvals=int(approvals))
    items = require.items() if isinstance(require, dict) else (require or ())
    for k, v in sorted(items):
      req.require.add(key=str(k), value=str(v))
    r = self._call('SetAliasPolicy', req, gpb.SetAliasPolicyResponse())
    return rent.AliasPolicy(r.policy)

  def delete_alias_policy(self, name, alias):
    """Removes the policy of (model, alias); NotFoundError when none."""
    self._call('DeleteAliasPolicy', gpb.DeleteAliasPolicyRequest(
        model_name=name, alias=alias), gpb.DeleteAliasPolicyResponse())

  def request_alias_moves(self, name, moves, comment=None):
    """Asks for several aliases to move together (`moves`: a dict alias ->
    version, None removes); returns the AliasRequest. Without policies
    needing approvals it is applied at once (status "approved")."""
    req = gpb.RequestAliasMoveRequest(model_name=name)
    for alias, version in moves.items():
      req.moves.add(alias=alias, version=_target(version))
    if comment is not None:
      req.comment = comment
    r = self._call('RequestAliasMove', req, gpb.RequestAliasMoveResponse())
    return rent.AliasRequest(r.request)

  def request_alias_move(self, name, alias, version, comment=None):
    """Asks for alias `alias` of model `name` to point at `version` (None:
    be removed), by this client's actor; returns the AliasRequest ("pending"
    until approved, or "approved" at once when no approval is needed)."""
    return self.request_alias_moves(name, {alias: version}, comment)

  def approve_request(self, request_id, comment=None):
    """Approves a pending request as this client's actor (not its requester:
    PermissionDeniedError; the same actor twice counts once). The last
    approval needed moves the aliases. Returns the AliasRequest."""
    req = gpb.ApproveRequestRequest(request_id=_id('request id', request_id))
    if comment is not None:
      req.comment = comment
    r = self._call('ApproveRequest', req, gpb.ApproveRequestResponse())
    return rent.AliasRequest(r.request)

  def reject_request(self, request_id, comment=None):
    """Rejects a pending request (its requester may withdraw it this way);
    returns the AliasRequest, "rejected"."""
    req = gpb.RejectRequestRequest(request_id=_id('request id', request_id))
    if comment is not None:
      req.comment = comment
    r = self._call('RejectRequest', req, gpb.RejectRequestResponse())
    return rent.AliasRequest(r.request)

  def get_alias_requests(self, name=None, request_id=None,
                         pending_only=False):
    """Requests, by id: of model `name` (None: every model), only
    `request_id` when given, only pending ones when `pending_only`."""
    req = gpb.GetAliasRequestsRequest(pending_only=bool(pending_only))
    if name is not None:
      req.model_name = name
    if request_id is not None:
      req.request_id = _id('request id', request_id)
    r = self._call('GetAliasRequests', req, gpb.GetAliasRequestsResponse())
    return [rent.AliasRequest(x) for x in r.requests]

  def get_alias_request(self, request_id):
    """The request of id `request_id`; NotFoundError when there is none."""
    found = self.get_alias_requests(request_id=request_id)
    if not found:
      raise errors.NotFoundError('no alias request with id %s' % request_id)
    return found[0]


def register(client, model_uri, name, tags=None):
  """mlmd.register_model's work: the model `name` registered when new, then
  a version of it for `model_uri` (an artifact id or URI, or MLflow's
  runs:/RUN_ID/PATH: the run's output file at PATH, with the run recorded as
  the version's). Two transactions, as in MLflow."""
  run_id = None
  source = model_uri
  if isinstance(model_uri, str) and model_uri.startswith('runs:/'):
    run_id, _, path = model_uri[len('runs:/'):].partition('/')
    run = client.get_run(run_id)
    path = path.strip('/')
    hits = sorted({a.id for a in run.outputs
                   if path and (a.uri == path or a.uri.endswith('/' + path))})
    if len(hits) != 1:
      raise (errors.NotFoundError if not hits else errors.InvalidArgumentError)(
          'register_model %r: run %s has %s output file at %r%s' % (
              model_uri, run_id, 'no' if not hits else len(hits), path,
              '' if not hits else ' (artifacts %s)' % ', '.join(
                  map(str, hits))))
    source = hits[0]
  try:
    client.create_registered_model(name)
  except errors.AlreadyExistsError:
    pass
  return client.create_model_version(name, source, run_id=run_id, tags=tags)
