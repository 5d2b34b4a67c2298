"""Masking secrets in text that may carry a URL or a DSN: the one function every message goes through.

:func:`mask_secrets` hides

- the user info of a URL: ``postgresql://finops:p@ss/w:rd@db:5432/x`` -> ``postgresql://finops:********@db:5432/x``
  (everything up to the last ``@`` of the URL is user info, so a password holding ``@``, ``:`` or ``/``
  is hidden whole; a user without a password, such as a token, is masked too);
- the password of a URL written without its scheme, as DSNs and host settings often are:
  ``finops:p@ss@db:5432/x`` -> ``finops:********@db:5432/x`` (a word that starts ``user:`` and holds ``@``);
- the value of a secret-looking key in ``key=value`` text: libpq's ``password=...`` (quoted values with
  spaces and ``\\'`` escapes included), a URL query's ``?password=...`` or ``X-Amz-Security-Token=...``,
  and ``'password': '...'`` in a printed dict.

It errs on the side of hiding: a ``@`` later in the same word (``s3://bucket/a:b@c``) masks more than
needed, never less. A URL is one word, so a password with a raw space in a URL cannot be told from the
text after it; libpq quotes such values, and those are masked whole.
"""

from __future__ import annotations

import re

MASK = "********"

# One word that starts with a scheme: the user info ends at its last '@'.
_URL = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>[^\s@]*@\S*)")
# The same without a scheme: a word that starts with ``user:`` (after a space, a quote, a bracket or ``=``)
# and holds an '@'; the password runs to its last '@'. Inside a path (``bucket/a:b@c``) the word does not start
# at ``a``, so nothing is taken for user info there.
_BARE_URL = re.compile(r"""(?:(?<=^)|(?<=[\s'"(\[{=,;]))(?P<user>[A-Za-z0-9_.%+-]+):(?!//)(?P<rest>[^\s@]*@\S*)""")
# accountkey: an Azure Storage connection string's AccountKey=... (its SharedAccessSignature= is a signature).
_KEY = (r"[\w.-]*(?:password|passwd|pwd|secret|token|credential|access_key|accountkey|api_key|private_key|signature)"
        r"[\w.-]*")
# key=value (libpq, URL queries) and 'key': value (printed dicts, JSON).
_KEY_VALUE = re.compile(
    rf"""(?P<key>\b{_KEY}\s*=\s*|(?P<q>['"]){_KEY}(?P=q)\s*:\s*)"""
    # A quoted value (libpq's '...', a dict's or JSON's "...") and whatever sticks to its closing quote.
    r"""(?P<value>(?:'(?:[^'\\]|\\.)*(?:'|$)|"(?:[^"\\]|\\.)*(?:"|$))(?:[^\s,;)}\]]\S*)?|\S+)""",
    re.IGNORECASE,
)


def _url(match: re.Match[str]) -> str:
    rest = match["rest"]
    at = rest.rfind("@")
    userinfo = rest[:at]
    if ":" not in userinfo and "/" in userinfo:  # a path holding '@' (s3://bucket/key@v2), no user info
        return match[0]
    user, colon, _password = userinfo.partition(":")
    return f"{match['scheme']}{user + ':' if colon else ''}{MASK}{rest[at:]}"


def _bare_url(match: re.Match[str]) -> str:
    rest = match["rest"]
    return f"{match['user']}:{MASK}{rest[rest.rfind('@'):]}"


def _key_value(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match['key']}{quote}{MASK}{quote}"


def mask_secrets(text: str) -> str:
    """``text`` with every URL's user info and every secret ``key=value`` replaced by ``********``."""
    if not text:
        return text
    return _KEY_VALUE.sub(_key_value, _BARE_URL.sub(_bare_url, _URL.sub(_url, text)))
