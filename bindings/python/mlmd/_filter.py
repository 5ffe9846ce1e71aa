"""MLflow's registry search filters, the forms mlmd answers.

search_model_versions takes `name = 'x'`, `run_id = '42'`, `tags.KEY = 'v'`
(KEY bare, or quoted with backticks or double quotes) and mlmd's
`artifact_id = 7`, joined with AND; search_registered_models takes
`name = 'x'` and `name LIKE 'pat%'` (ILIKE: without case). Strings are
quoted with ' or " (a backslash escapes the next character). Anything else
(OR, IN, !=, other keys) raises InvalidArgumentError naming what is not
supported, before anything is sent.
"""

import re

from ml_metadata import errors

_CLAUSE = re.compile(r'''
    \s*(?P<key>[A-Za-z_][A-Za-z0-9_]*
        (?:\.(?:`[^`]*`|"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.\-/:]+))?)
    \s*(?P<op>!=|==|=|<=|>=|<>|<|>|(?i:NOT\s+LIKE|NOT\s+IN|ILIKE|LIKE|IN)\b)
    \s*(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+|\([^)]*\))
    \s*''', re.VERBOSE)
_AND = re.compile(r'(?i:AND)\b')


def _unquote(text):
  """A quoted string's text ('...' or "..."; backslash escapes)."""
  body = text[1:-1]
  return re.sub(r'\\(.)', r'\1', body)


def _clauses(filter_string, what, supported):
  """(key, op, value text, quoted) for each clause of `filter_string`."""
  s = filter_string or ''
  out = []
  pos = 0
  if not s.strip():
    return out
  while True:
    m = _CLAUSE.match(s, pos)
    if m is None:
      raise errors.InvalidArgumentError(
          '%s filter %r: cannot parse %r; mlmd supports %s, joined with AND'
          % (what, filter_string, s[pos:].strip(), supported))
    value = m.group('value')
    quoted = value[0] in '\'"'
    out.append((m.group('key'), m.group('op'), value, quoted))
    pos = m.end()
    if pos == len(s):
      return out
    a = _AND.match(s, pos)
    if a is None:
      raise errors.InvalidArgumentError(
          '%s filter %r: expected AND or the end at %r; mlmd supports %s, '
          'joined with AND (no OR)' % (what, filter_string,
                                       s[pos:].strip(), supported))
    pos = a.end()


_MV_SUPPORTED = ("name = 'x', run_id = '42', tags.KEY = 'v' and "
                 "artifact_id = 7")


def _tag_key(key):
  k = key[len('tags.'):]
  if k[:1] == '`':
    return k[1:-1]
  if k[:1] == '"':
    return _unquote(k)
  return k


def model_version_filter(filter_string):
  """The fields of a SearchModelVersionsRequest that `filter_string` sets:
  a dict with 'name', 'run_id', 'artifact_id' (as given) and 'tags' (a
  dict)."""
  what = 'search_model_versions'
  found = {'tags': {}}
  for key, op, value, quoted in _clauses(filter_string, what, _MV_SUPPORTED):
    if op not in ('=', '=='):
      raise errors.InvalidArgumentError(
          '%s filter %r: operator %r in "%s %s %s" is not supported; mlmd '
          'supports %s, joined with AND' % (what, filter_string, op, key, op,
                                            value, _MV_SUPPORTED))
    text = _unquote(value) if quoted else value
    low = key.lower()
    if low.startswith('tags.'):
      tag = _tag_key(key)
      if not tag:
        raise errors.InvalidArgumentError(
            '%s filter %r: empty tag key' % (what, filter_string))
      if tag in found['tags']:
        raise errors.InvalidArgumentError(
            '%s filter %r: tag %r given twice' % (what, filter_string, tag))
      found['tags'][tag] = text
    elif low in ('name', 'run_id', 'artifact_id'):
      if low in found:
        raise errors.InvalidArgumentError(
            '%s filter %r: %s given twice' % (what, filter_string, low))
      found[low] = text
    else:
      raise errors.InvalidArgumentError(
          '%s filter %r: key %r is not supported; mlmd supports %s, joined '
          'with AND' % (what, filter_string, key, _MV_SUPPORTED))
  return found


_RM_SUPPORTED = "name = 'x' and name LIKE 'pattern%' (or ILIKE)"


def _like(pattern, name, case):
  """Whether `name` matches SQL LIKE's `pattern` (% any run, _ one char),
  by case when `case`. Walks both once, going back only to the last %: at
  most len(pattern) * len(name) steps (a regex of '.*' runs backtracks
  exponentially on "%a%a%a...%b")."""
  if not case:
    pattern, name = pattern.lower(), name.lower()
  p = n = 0
  star, mark = -1, 0
  while n < len(name):
    if p < len(pattern) and pattern[p] == '%':
      star, mark = p, n
      p += 1
    elif p < len(pattern) and pattern[p] in ('_', name[n]):
      p += 1
      n += 1
    elif star >= 0:
      p, mark = star + 1, mark + 1
      n = mark
    else:
      return False
  return pattern[p:].strip('%') == ''


def registered_model_filter(filter_string):
  """A predicate on model names for `filter_string`, or None for none."""
  what = 'search_registered_models'
  tests = []
  for key, op, value, quoted in _clauses(filter_string, what, _RM_SUPPORTED):
    o = ' '.join(op.upper().split())
    if key.lower() != 'name' or not quoted or o not in ('=', '==', 'LIKE',
                                                        'ILIKE'):
      raise errors.InvalidArgumentError(
          '%s filter %r: "%s %s %s" is not supported; mlmd supports %s, '
          'joined with AND' % (what, filter_string, key, op, value,
                               _RM_SUPPORTED))
    text = _unquote(value)
    if o in ('=', '=='):
      tests.append(lambda n, t=text: n == t)
    else:
      tests.append(lambda n, t=text, c=(o == 'LIKE'): _like(t, n, c))
  if not tests:
    return None
  return lambda n: all(t(n) for t in tests)
